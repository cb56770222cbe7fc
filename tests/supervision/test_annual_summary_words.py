"""The annual supervision summary (Excel) is in words: district names, statuses, kinds and flags in the reader's
language, counts as numbers. It was almost all codes (510502, active, accepted, rectification_required)."""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook

from portal.core import clock
from portal.supervision import inspections, rectification
from tests.supervision import builders as sb
from tests.words.crawl import findings_in


def test_annual_summary_is_words_and_numbers(build, login, client):
    regulator = build.user("regulator")
    second = build.user("regulator", office_id=regulator.office_id)
    for i in range(2):
        firm = build.firm(district_code="510503", grade="AD"[i], name=f"泸州第{i}档案服务有限公司")
        build.filing(firm=firm, status="confirmed", confirmed_at=clock.utcnow() - timedelta(days=i))
        inspections.plan_inspection(sb.actor(regulator), firm.id, clock.today(), regulator.id, second.id)
        rectification.issue_by_hand(sb.actor(regulator), firm.id, [f"整改事项 {i}"], "按期整改",
                                    clock.today() + timedelta(days=10))
    login(regulator)
    response = client.get(f"/supervision/summary?year={clock.today().year}")
    assert response.status_code == 200
    sheets = {ws.title: list(ws.iter_rows(values_only=True)) for ws in load_workbook(BytesIO(response.data)).worksheets}
    cells = [c for rows in sheets.values() for row in rows for c in row if isinstance(c, str)]
    found = findings_in("\n".join(cells), "zh_CN")
    assert not found, found
    assert "纳溪区" in cells and "510503" not in cells
    assert sheets["监督检查"][0][0].startswith("监督检查（年度：")  # the title row: what and when
    inspection_header = sheets["监督检查"][1]
    assert "发布时间" not in inspection_header and "是否公开" in inspection_header  # a yes/no column, not a time
    firms = sheets["外包企业"]
    assert all(isinstance(row[-1], int) for row in firms[2:])  # counts are numbers, not text


def test_annual_summary_counts_each_inspections_failed_items_within_the_year(build, login, client):
    from datetime import date

    from tests.scoring.builders import ScoringBuilder

    world = ScoringBuilder(build)
    firm = build.firm(district_code="510503", name="泸州失败项档案服务有限公司")
    world.inspection(firm, ("fail", "pass", "fail"), on=date(2026, 8, 3))
    world.inspection(firm, ("pass",), on=date(2026, 8, 4))
    world.inspection(firm, ("fail",), on=date(2025, 8, 4))  # another year: not in 2026's sheet
    login(build.user("regulator"))
    response = client.get("/supervision/summary?year=2026&lang=en")
    sheet = load_workbook(BytesIO(response.data))["Inspections"]
    rows = list(sheet.iter_rows(values_only=True))
    failed = rows[1].index("Failed items")  # row 1 is the title row, row 2 the header
    mine = sorted(r[failed] for r in rows[2:] if r[1] == firm.name)
    assert mine == [0, 2]
