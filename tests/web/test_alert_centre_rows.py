"""The alert centre's table rows: time, rule, severity, linked message (escaped), firm, district and
state, in the reader's language."""
from __future__ import annotations

import re
from datetime import timedelta

from portal.core import clock
from portal.extensions import db
from portal.supervision.models import Alert


def _rows(page: str) -> list[list[str]]:
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return [re.findall(r"<td(?: data-label=\"[^\"]*\")?>(.*?)</td>", row, re.S) for row in re.findall(r'<tr data-testid="alert-row">(.*?)</tr>',
                                                                           body, re.S)]


def test_alert_rows_in_both_languages(client, build, login):
    firm = build.firm(name="Firm <i>&</i>", district_code="510502")
    now = clock.utcnow().replace(second=0, microsecond=0)
    specs = [("open", None, None, "high", "cert_expiry"), ("acked", None, now, "low", "liaison_overdue"),
             ("closed", now, None, "medium", "cert_expiry")]
    ids = {}
    for i, (name, closed, acked, severity, rule) in enumerate(specs):
        alert = Alert(key=f"t:{name}", rule=rule, object_type="firm", object_id=firm.id, firm_id=firm.id,
                      district_code="510502", severity=severity, message="Certificate %(number)s of %(firm)s",
                      params={"number": f"<N{i}>", "firm": "A&B"}, raised_at=now - timedelta(hours=i),
                      closed_at=closed, acknowledged_at=acked)
        db.session.add(alert)
        db.session.flush()
        ids[name] = alert.id
    db.session.commit()
    login(build.user("regulator"))

    rows = _rows(client.get("/supervision/alerts?state=all&lang=en").get_data(as_text=True))
    assert len(rows) == 3
    raised = (now + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert rows[0][0] == raised
    assert rows[0][1] == "Certificate expiring or expired" and rows[1][1] != rows[0][1]
    assert '<span class="status severity-high">High</span>' == rows[0][2]
    assert '<span class="status severity-low">Low</span>' == rows[1][2]
    assert rows[0][3] == f'<a href="/supervision/alerts/{ids["open"]}">Certificate &lt;N0&gt; of A&amp;B</a>'
    assert rows[0][4] == "Firm &lt;i&gt;&amp;&lt;/i&gt;"
    assert rows[0][5] not in ("", "510502")  # the district's name
    assert [r[6] for r in rows] == ["Open", "Acknowledged", "Closed"]

    rows_zh = _rows(client.get("/supervision/alerts?state=all&lang=zh_CN").get_data(as_text=True))
    assert rows_zh[0][6] == "未处理" and "一般" in rows_zh[1][2]
    assert rows_zh[0][1] != rows[0][1] and rows_zh[0][5] != rows[0][5]
    assert rows_zh[0][3].startswith(f'<a href="/supervision/alerts/{ids["open"]}">')
    assert "&lt;N0&gt;" in rows_zh[0][3] and "A&amp;B" in rows_zh[0][3]
