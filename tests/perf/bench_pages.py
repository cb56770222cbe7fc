"""The pages `make bench` drives, built from the seeded data: every list of every role (first page, a deep
page, a filtered page), a detail page of each kind, the search, home and dashboards, and the JSON API
lists. Ids, districts and deep page numbers are read from the database, never written here.

`who` is a demo username, "api:<username>" for a bearer token, or None for anonymous. A page whose id
could not be found in the data is left out (and listed as "no data" in the report)."""
from __future__ import annotations

PAGE_SIZE = 20
MAX_PAGE = 500  # portal.core.pagination stops there

# (table, where): the row picked for a detail page is the middle one matching `where`, so it is a
# typical row of a large table, not the first seeded one.
DETAIL_IDS: dict[str, tuple[str, str]] = {
    "filing_id": ("project_filing", "status = 'in_progress'"),
    "feedback_id": ("feedback", "1 = 1"),
    "incident_id": ("incident", "1 = 1"),
    "inspection_id": ("inspection", "1 = 1"),
    "order_id": ("rectification_order", "1 = 1"),
    "notice_id": ("notice", "1 = 1"),
    "followup_id": ("followup", "1 = 1"),
    "plan_id": ("focus_plan", "1 = 1"),
    "period_id": ("scoring_period", "status <> 'draft'"),
    "change_request_id": ("firm_change_request", "1 = 1"),
    "change_filing_id": ("change_filing", "1 = 1"),
    "account_id": ("user_account", "firm_id IS NOT NULL"),
    "draw_id": ("inspection_draw", "1 = 1"),
}
# Tables whose size sets a list's deep page.
DEEP_TABLES = {
    "filings": "project_filing", "firms": "firm", "feedback": "feedback", "incidents": "incident",
    "inspections": "inspection", "rectifications": "rectification_order", "notices": "notice",
    "alerts": "alert", "audit": "audit_event", "followups": "followup", "accounts": "user_account",
    "agencies": "agency", "inbox": "notification", "sitechecks": "project_filing",
}


def page_templates() -> list[tuple[str, str, str | None]]:
    """(label, path with {placeholders}, who). Regulator pages first, then the other roles."""
    lists = [
        # label stem, path, who, filter query (after '?'), deep key
        ("filings", "/filings/", "regulator", "status=in_progress&district={district}", "filings"),
        ("firms", "/firms/", "regulator", "status=active&district={district}", "firms"),
        ("feedback", "/feedback/", "regulator", "low=1", "feedback"),
        ("incidents", "/incidents/", "regulator", "veto=1", "incidents"),
        ("inspections", "/supervision/inspections", "regulator", "district={district}", "inspections"),
        ("rectifications", "/supervision/rectifications", "regulator", "overdue=1", "rectifications"),
        ("notices", "/supervision/notices", "regulator", "district={district}", "notices"),
        ("alerts", "/supervision/alerts", "regulator", "district={district}", "alerts"),
        ("follow-ups", "/followups/", "regulator", "district={district}", "followups"),
        ("site checks", "/sitechecks/", "regulator", "district={district}", "sitechecks"),
        ("contacts", "/supervision/contacts", "regulator", "overdue=1", "firms"),
        ("inbox", "/home/inbox", "regulator", "unread=1", "inbox"),
        ("audit log", "/admin/audit", "auditor", "action=filing.submit", "audit"),
        ("accounts", "/admin/accounts", "sysadmin", "role=vendor", "accounts"),
        ("agencies", "/admin/agencies", "sysadmin", "district={district}", "agencies"),
    ]
    pages: list[tuple[str, str, str | None]] = [
        ("baseline", "/_bench/baseline", None),
        ("healthz", "/healthz", None),
        ("home (regulator)", "/home/", "regulator"),
        ("regulator dashboard", "/supervision/", "regulator"),
    ]
    for stem, path, who, flt, deep in lists:
        pages.append((f"{stem} list", path, who))
        pages.append((f"{stem} deep page", f"{path}?page={{deep_{deep}}}", who))
        pages.append((f"{stem} filtered", f"{path}?{flt}", who))
    pages += [
        ("search", "/search?q={search_term}", "regulator"),
        ("scores (periods)", "/scoring/", "regulator"),
        ("period scores", "/scoring/periods/{period_id}", "regulator"),
        ("focus list", "/scoring/focus", "regulator"),
        ("negative list", "/scoring/negative-list", "regulator"),
        ("firm change queue", "/firms/queue", "regulator"),
        ("integrations", "/integrations/", "sysadmin"),
        ("annual summary", "/supervision/summary", "regulator"),
        # one detail page of each kind
        ("filing detail", "/filings/{filing_id}", "regulator"),
        ("firm detail", "/firms/{firm_id}", "regulator"),
        ("staff and certificates", "/firms/{firm_id}/staff", "regulator"),
        ("feedback detail", "/feedback/{feedback_id}", "regulator"),
        ("firm feedback summary", "/feedback/summary/{firm_id}", "regulator"),
        ("incident detail", "/incidents/{incident_id}", "regulator"),
        ("inspection detail", "/supervision/inspections/{inspection_id}", "regulator"),
        ("draw detail", "/supervision/draws/{draw_id}", "regulator"),
        ("rectification detail", "/supervision/rectifications/{order_id}", "regulator"),
        ("notice detail", "/supervision/notices/{notice_id}", "regulator"),
        ("follow-up detail", "/followups/{followup_id}", "regulator"),
        ("site checks of a filing", "/sitechecks/filings/{filing_id}", "regulator"),
        ("firm score page", "/scoring/scores/{score_id}", "regulator"),
        ("focus plan detail", "/scoring/focus/plans/{plan_id}", "regulator"),
        ("firm change request", "/firms/change-requests/{change_request_id}", "regulator"),
        ("filing change detail", "/filings/changes/{change_filing_id}", "regulator"),
        ("account detail", "/admin/accounts/{account_id}", "sysadmin"),
        # the other roles
        ("home (firm user)", "/home/", "vendor01"),
        ("filings list (firm user)", "/filings/", "vendor01"),
        ("firm feedback summary (firm user)", "/feedback/summary/{vendor_firm_id}", "vendor01"),
        ("site checks (firm user)", "/sitechecks/", "vendor01"),
        ("home (agency)", "/home/", "agency01"),
        ("agency workspace", "/agency/", "agency01"),
        ("feedback list (agency)", "/feedback/", "agency01"),
        ("public directory", "/directory", None),
        # the JSON API lists
        ("API filings list", "/api/v1/filings", "api:regulator"),
        ("API filings deep page", "/api/v1/filings?page={deep_filings}", "api:regulator"),
        ("API filings filtered", "/api/v1/filings?status=in_progress&district={district}", "api:regulator"),
        ("API firms list", "/api/v1/firms", "api:regulator"),
        ("API firms filtered", "/api/v1/firms?district={district}", "api:regulator"),
        ("API notices list", "/api/v1/notices", "api:regulator"),
        ("API scores list", "/api/v1/scores", "api:regulator"),
        ("API filing detail", "/api/v1/filings/{filing_id}", "api:regulator"),
    ]
    return pages


def data_ids(conn, counts: dict[str, int]) -> dict[str, str]:
    """Placeholder values read from the seeded database (`conn`: a SQLAlchemy connection)."""
    facts: dict[str, str] = {}
    for key, (table, where) in DETAIL_IDS.items():
        n = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table} WHERE {where}").scalar() or 0
        row = conn.exec_driver_sql(
            f"SELECT id FROM {table} WHERE {where} ORDER BY id LIMIT 1 OFFSET {n // 2}").first() if n else None
        if row:
            facts[key] = str(row[0])
    filing = conn.exec_driver_sql(
        f"SELECT firm_id, district_code, number FROM project_filing WHERE id = {int(facts.get('filing_id', 0))}"
    ).first()
    if filing:
        facts["firm_id"] = str(filing[0])
        facts["district"] = filing[1]
        # A search a regulator would type: the middle part of a filing number (matches a few rows).
        facts["search_term"] = filing[2][:-2] if filing[2] else "档案"
    vendor = conn.exec_driver_sql("SELECT firm_id FROM user_account WHERE username = 'vendor01'").first()
    if vendor and vendor[0]:
        facts["vendor_firm_id"] = str(vendor[0])
    for stem, table in DEEP_TABLES.items():
        rows = counts.get(table)
        if rows is None:
            rows = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar() or 0
        cap = rows if stem == "filings" else MAX_PAGE * PAGE_SIZE  # the filing list pages to the end
        facts[f"deep_{stem}"] = str(max(1, int(min(rows, cap) / PAGE_SIZE * 0.8)))
    return facts
