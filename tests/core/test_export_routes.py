"""Every Excel export route writes planted formula text as literal text, and exports every row."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from portal.admin import audit_log
from portal.core import audit, clock
from portal.extensions import db
from portal.feedback import service as feedback_service
from portal.filings import queries as filing_queries
from portal.incidents import service as incident_service
from portal.supervision import alerts, inspections, notices
from portal.supervision.models import Alert
from tests.feedback.builders import accepted_project, feedback_rows
from tests.firms.builders import fresh
from tests.supervision import builders as sb

# Short enough for every column it is planted in (audit object_type is 40 characters on PostgreSQL).
EVIL = '=HYPERLINK("http://ev.il/x","open")'
INCIDENT_TEXT = "A scanner operator photographed files with a phone."


def _cells(response):
    assert response.status_code == 200, response.status_code
    assert response.headers["Cache-Control"] == "no-store"
    book = load_workbook(BytesIO(response.data))
    return [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row]


def assert_planted_text_is_literal(response):
    planted = [c for c in _cells(response) if isinstance(c.value, str) and "ev.il/x" in c.value]
    assert planted, "the planted value is not in the export"
    for cell in planted:
        assert cell.data_type != "f" and cell.value == EVIL, (cell.coordinate, cell.data_type, cell.value)


def _rows(response) -> list[tuple]:
    assert response.status_code == 200
    # Row 1 is the title row, row 2 the header.
    return list(load_workbook(BytesIO(response.data)).active.iter_rows(min_row=3, values_only=True))


# --- formula text stays text, route by route ----------------------------------------------------------

def test_firm_list_export(client, build, login):
    build.firm(name=EVIL)
    login(build.user("regulator"))
    assert_planted_text_is_literal(client.get("/firms/export.xlsx"))


def test_staff_roster_export(client, build, login):
    firm = build.firm()
    build.staff(firm, name=EVIL)
    login(build.user("regulator"))
    assert_planted_text_is_literal(fresh(client).get(f"/firms/{firm.id}/staff/export.xlsx"))


def test_filing_export(client, build, login):
    build.filing(title=EVIL)
    login(build.user("regulator"))
    assert_planted_text_is_literal(client.get("/filings/export.xlsx"))


def test_feedback_export(client, build, login):
    filing, _agency_user, firm_user = accepted_project(build)
    feedback_rows(filing, 1, narrative=EVIL)
    login(firm_user)
    assert_planted_text_is_literal(client.get("/feedback/export.xlsx"))


def test_incident_export(client, build, login):
    filing, agency_user, _ = accepted_project(build, firm=build.firm(name=EVIL), status="in_progress")
    login(agency_user)
    client.post("/incidents/new", data={"incident_type": "leak", "severity": "high",
                                        "occurred_at": "2026-01-05T09:30", "description": INCIDENT_TEXT,
                                        "filing_id": str(filing.id)})
    assert_planted_text_is_literal(client.get("/incidents/export.xlsx"))


def test_audit_log_export_xlsx_and_csv(client, build, login):
    login(build.user("auditor"))
    # Planted where the export shows stored text as it is: the name of an actor without an account (the object
    # type and the detail are shown in words now, not as stored).
    from portal.core.context import Actor

    audit.record("test.event", "thing", 1, actor=Actor(username=EVIL))
    db.session.commit()
    assert_planted_text_is_literal(client.get("/admin/audit/export?action=test.event"))
    text = client.get("/admin/audit/export?format=csv&action=test.event").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ',"=HYPERLINK' not in text and ",=HYPERLINK" not in text


def _supervision_world(build):
    regulator = build.user("regulator")
    second = build.user("regulator")
    firm = build.firm(name=EVIL)
    actor = sb.actor(regulator)
    inspections.plan_inspection(actor, firm.id, clock.today(), regulator.id, second.id)
    sb.order(firm)
    db.session.add(Alert(key="t-evil", rule=next(iter(alerts.RULES)), object_type="firm", object_id=firm.id,
                         firm_id=firm.id, district_code=firm.district_code, severity="high", message="x",
                         params={}, ack_note=EVIL))
    db.session.commit()
    notice = notices.publish_notice(actor, "All", "Body")
    return regulator, notice


def test_supervision_exports(client, build, login):
    regulator, notice = _supervision_world(build)
    login(regulator)
    for url in ("/supervision/alerts?format=xlsx&state=all", "/supervision/inspections?format=xlsx",
                "/supervision/rectifications?format=xlsx", f"/supervision/notices/{notice.id}?format=xlsx",
                f"/supervision/summary?year={clock.today().year}"):
        assert_planted_text_is_literal(client.get(url))


# --- no export stops at its old cap -----------------------------------------------------------------
# The old code capped these with a module constant (EXPORT_LIMIT); lowering it below the rows built
# shows the cap, and a small batch size makes the new code read the rows in several round trips.

def test_filing_export_holds_every_row(client, build, login, monkeypatch):
    monkeypatch.setattr(filing_queries, "EXPORT_LIMIT", 3, raising=False)
    monkeypatch.setattr(filing_queries, "BATCH", 2, raising=False)
    firm = build.firm()
    numbers = {build.filing(firm=firm).number for _ in range(7)}
    login(build.user("regulator"))
    assert {r[0] for r in _rows(client.get("/filings/export.xlsx"))} == numbers


def test_feedback_export_holds_every_row(client, build, login, monkeypatch):
    monkeypatch.setattr(feedback_service, "EXPORT_LIMIT", 3, raising=False)
    monkeypatch.setattr(feedback_service, "BATCH", 2, raising=False)
    filing, _agency_user, firm_user = accepted_project(build)
    feedback_rows(filing, 7)
    login(firm_user)
    assert len(_rows(client.get("/feedback/export.xlsx"))) == 7


def test_incident_export_holds_every_row(client, build, login, monkeypatch):
    monkeypatch.setattr(incident_service, "EXPORT_LIMIT", 3, raising=False)
    monkeypatch.setattr(incident_service, "BATCH", 2, raising=False)
    filing, agency_user, _ = accepted_project(build, status="in_progress")
    login(agency_user)
    for _ in range(5):
        client.post("/incidents/new", data={"incident_type": "leak", "severity": "high",
                                            "occurred_at": "2026-01-05T09:30", "description": INCIDENT_TEXT,
                                            "filing_id": str(filing.id)})
    assert len(_rows(client.get("/incidents/export.xlsx"))) == 5


def test_audit_export_holds_every_row(client, build, login, monkeypatch):
    monkeypatch.setattr(audit_log, "EXPORT_LIMIT", 3, raising=False)
    login(build.user("auditor"))
    for i in range(6):
        audit.record("test.event", "thing", i)
    db.session.commit()
    assert len(_rows(client.get("/admin/audit/export?action=test.event"))) == 6


# --- a list longer than an export may hold is refused before the first byte, never cut short ------------

def test_export_over_the_limit_is_refused_with_a_message_in_words(client, build, login, monkeypatch):
    from portal.core import exports

    monkeypatch.setattr(exports, "MAX_ROWS", 3)
    firm = build.firm()
    for _ in range(4):
        build.filing(firm=firm)
    login(build.user("regulator"))
    response = client.get("/filings/export.xlsx")
    assert response.status_code == 422 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "共 4 行" in page and "缩小筛选范围" in page
    assert client.get(f"/filings/export.xlsx?firm={firm.name}").status_code == 422  # still 4 rows
    assert client.get("/filings/export.xlsx?status=draft").status_code == 200  # narrowed: none
