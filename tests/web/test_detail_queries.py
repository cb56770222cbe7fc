"""Detail pages at province scale (issue 16): a constant number of statements however many rows hang off
the record, no statement sent twice, and the orders issued from a record found by index, not a scan."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from portal.core import clock
from portal.extensions import db
from portal.supervision import inspections, rectification
from tests.querycount import assert_constant_queries, count_request
from tests.supervision import builders as sb


def _inspection(build):
    regulator = build.user("regulator")
    second = build.user("regulator", office_id=regulator.office_id)
    firm = build.firm(district_code="510502")
    inspection = inspections.plan_inspection(sb.actor(regulator), firm.id, clock.today(), regulator.id, second.id)
    return regulator, firm, inspection


def test_inspection_detail_is_constant_and_reads_its_results_once(app, client, build, login):
    regulator, firm, inspection = _inspection(build)
    login(regulator)
    url = f"/supervision/inspections/{inspection.id}"

    def grow():
        for n in range(4):
            rectification.issue_order(sb.actor(regulator), firm.id, [f"item {n}"], "fix",
                                      clock.today() + timedelta(days=10), inspection_id=inspection.id)

    assert_constant_queries(client, url, grow=grow)
    sent = Counter(count_request(client, url).statements)
    repeated = [s[:120] for s, n in sent.items() if n > 1]
    assert not repeated, repeated


def test_orders_of_an_inspection_and_an_incident_are_read_off_an_index(app, client, build, login):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's EXPLAIN QUERY PLAN; PostgreSQL plans are in bench-results/")
    regulator, firm, inspection = _inspection(build)
    login(regulator)
    rectification.issue_order(sb.actor(regulator), firm.id, ["item"], "fix", clock.today() + timedelta(days=10),
                              inspection_id=inspection.id)
    statements = [s for s in count_request(client, f"/supervision/inspections/{inspection.id}").statements
                  if s.startswith("SELECT rectification_order.id") and "inspection_id" in s]
    assert statements
    with db.engine.connect() as conn:
        for column in ("inspection_id", "incident_id"):
            plan = " / ".join(str(r[-1]) for r in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN SELECT id FROM rectification_order WHERE {column} = 1"))
            assert f"ix_rectification_{column}" in plan, plan


def test_firm_review_page_reads_the_certificates_once(app, client, build, login):
    """The record shows the certificates and the review panel checks them (can file, approval blockers,
    licence check): one statement for all four, not one each."""
    firm = build.firm(status="submitted")
    login(build.user("regulator"))
    url = f"/firms/{firm.id}"

    def grow():
        for n in range(3):
            sb.certificate(firm, 30 + n, cert_type="iso27001", number=f"CERT-{firm.id}-{n}")

    assert_constant_queries(client, url, grow=grow)
    log = count_request(client, url)
    assert "Approve" in client.get(url + "?lang=en").get_data(as_text=True)
    reads = [s for s in log.statements if s.startswith("SELECT certificate.id")]
    assert len(reads) == 1, reads
