"""Cached aggregates (portal.core.cache): served from memory while the tables they read are
unchanged, recomputed after any commit that changed them, in this process or another one."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import g
from sqlalchemy import event, select, update

from portal import create_app
from portal.core import cache as aggregates
from portal.core import pagination
from portal.core.models import DataVersion
from portal.core.pagination import paginate
from portal.extensions import db
from portal.firms.models import Firm
from portal.supervision.models import Alert


def _new_request():
    """The per-request memo of versions goes away between requests."""
    g.pop("_data_versions", None)


@contextmanager
def _statements():
    """Statements sent while the cache stays on (the count_queries fixture switches it off)."""
    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


ACTIVE = "active firms"  # the cache key of _firms()


def _firms():
    return select(Firm).where(Firm.status == "active")


def test_a_count_is_computed_once_while_its_table_is_unchanged(app, build, count_queries):
    build.firm()
    build.firm()
    _new_request()
    assert aggregates.count(_firms(), key=ACTIVE) == 2
    _new_request()
    before = aggregates.stats()["hits"]
    with _statements() as log:
        assert aggregates.count(_firms(), key=ACTIVE) == 2
    assert aggregates.stats()["hits"] == before + 1
    assert not any("count(" in s.lower() for s in log), log


def test_a_commit_to_the_table_drops_the_cached_count(app, build):
    build.firm()
    _new_request()
    assert aggregates.count(_firms(), key=ACTIVE) == 1
    build.firm()  # commits: the firm table's version goes up
    _new_request()
    assert aggregates.count(_firms(), key=ACTIVE) == 2
    firm = db.session.scalar(select(Firm).limit(1))
    firm.status = "suspended"
    db.session.commit()
    _new_request()
    assert aggregates.count(_firms(), key=ACTIVE) == 1


def test_a_rolled_back_change_keeps_the_version(app, build):
    build.firm()
    _new_request()
    aggregates.count(_firms(), key=ACTIVE)
    version = db.session.get(DataVersion, "firm").version
    firm = db.session.scalar(select(Firm).limit(1))
    firm.name = "Renamed"
    db.session.flush()
    db.session.rollback()
    assert db.session.get(DataVersion, "firm").version == version


def test_a_released_savepoint_waits_for_the_outer_commit(app, build):
    build.firm()
    version = db.session.get(DataVersion, "firm").version
    with db.session.begin_nested():
        db.session.scalar(select(Firm).limit(1)).name = "Inside a savepoint"
    # The outer transaction is still open: no version was raised (nor could another connection write).
    assert db.session.get(DataVersion, "firm").version == version
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(DataVersion, "firm").version == version + 1


def test_bulk_orm_update_raises_the_version(app, build):
    firm = build.firm()
    db.session.add(Alert(key="k1", rule="certificate_expiring", object_type="firm", object_id=firm.id,
                         firm_id=firm.id, district_code=firm.district_code, severity="warning", message="m"))
    db.session.commit()
    query = select(Alert).where(Alert.closed_at.is_(None))
    _new_request()
    assert aggregates.count(query, key="open alerts") == 1
    db.session.execute(update(Alert).values(closed_at=db.func.now()))
    db.session.commit()
    _new_request()
    assert aggregates.count(query, key="open alerts") == 0


def test_another_process_sees_the_change(app, build):
    """Two applications on one database stand for two gunicorn workers: each keeps its own cache."""
    build.firm()
    other = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY")},
                        "TESTING": True, "PASSWORD_HASH_FAST": True})
    with other.app_context():
        assert aggregates.count(_firms(), key=ACTIVE) == 1
    _new_request()
    build.firm()  # written through this app's session
    with other.app_context():  # a new request in the other worker
        assert aggregates.count(_firms(), key=ACTIVE) == 2
        db.session.remove()
        db.engine.dispose()


def test_unversioned_tables_are_counted_live(app, build):
    from portal.core.models import AuditEvent

    _new_request()
    aggregates.count(select(AuditEvent), key="audit")
    before = aggregates.stats()
    aggregates.count(select(AuditEvent), key="audit")
    assert aggregates.stats() == before  # neither a hit nor a miss: the cache was not asked


def test_zero_seconds_switches_the_cache_off(app, build):
    build.firm()
    app.config["AGGREGATE_CACHE_SECONDS"] = 0
    try:
        before = aggregates.stats()
        _new_request()
        assert aggregates.count(_firms(), key=ACTIVE) == 1
        assert aggregates.count(_firms(), key=ACTIVE) == 1
        assert aggregates.stats() == before
    finally:
        app.config["AGGREGATE_CACHE_SECONDS"] = 300


def test_cached_values_expire(app, build, monkeypatch):
    build.firm()
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    _new_request()
    assert aggregates.value("t", 1, [Firm], compute, ttl=300) == 1
    assert aggregates.value("t", 1, [Firm], compute, ttl=300) == 1
    clock_now = aggregates.time.monotonic() + 301
    monkeypatch.setattr(aggregates.time, "monotonic", lambda: clock_now)
    assert aggregates.value("t", 1, [Firm], compute, ttl=300) == 2


@pytest.mark.parametrize("page", [1, 3, 9, 12])
def test_deferred_pages_equal_plain_offset_pages(app, build, monkeypatch, count_queries, page):
    """Pages found by id first hold the same rows, in the same order, as plain LIMIT/OFFSET."""
    for i in range(60):
        build.firm(name=f"Firm {i % 7:02d} {i:03d}")
    monkeypatch.setattr(pagination, "DEFERRED_FROM", 10)
    query = select(Firm).order_by(Firm.name.desc(), Firm.id)
    with count_queries() as log:
        result = paginate(query, page, per_page=5)
    plain = list(db.session.scalars(query.limit(5).offset((result.page - 1) * 5)))
    assert [f.id for f in result.items] == [f.id for f in plain] and len(plain) == 5
    assert result.total == 60
    deferred = (page - 1) * 5 >= 10
    assert any("LIMIT" in s and "OFFSET" in s and "firm.name," not in s.split("FROM")[0] for s in log.statements) \
        == deferred


def test_deferred_page_keeps_extra_columns(app, build, monkeypatch):
    for i in range(30):
        build.firm(name=f"Firm {i:03d}")
    monkeypatch.setattr(pagination, "DEFERRED_FROM", 10)
    query = select(Firm, Firm.name.label("label")).order_by(Firm.id)
    result = paginate(query, 6, per_page=5, scalars=False)
    assert [row.label for row in result.items] == [f"Firm {i:03d}" for i in range(25, 30)]
    assert [row[0].name for row in result.items] == [row.label for row in result.items]


def test_a_long_running_command_sees_another_process_change(app, build):
    """Outside a request (outbox worker, scans) the versions are read on every call, not kept on `g`."""
    build.firm()
    assert aggregates.count(_firms(), key=ACTIVE) == 1
    other = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY")},
                        "TESTING": True, "PASSWORD_HASH_FAST": True})
    with other.app_context():
        db.session.add(Firm(uscc="91510502MA6XXXXX01", name="Written elsewhere", legal_representative="Li Si",
                            district_code="510502", status="active", service_types=["digitisation"]))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    db.session.rollback()  # end this connection's read snapshot, as a new unit of work would
    assert aggregates.count(_firms(), key=ACTIVE) == 2


def test_a_count_without_a_key_is_counted_live(app, build):
    build.firm()
    _new_request()
    before = aggregates.stats()
    assert aggregates.count(_firms()) == 1
    assert aggregates.stats() == before  # neither a hit nor a miss: the cache was not asked


def test_tables_read_walks_joins_subqueries_and_relationship_joins(app):
    from sqlalchemy import exists, func, text
    from sqlalchemy.orm import aliased, joinedload

    from portal.auth.models import User
    from portal.filings.models import ChangeFiling, ProjectFiling
    from portal.orgs.models import Agency

    other = aliased(Firm)
    assert aggregates.tables_read(select(ProjectFiling).join(ProjectFiling.firm)) == ("firm", "project_filing")
    assert aggregates.tables_read(select(Agency).where(Agency.id.in_(
        select(ProjectFiling.agency_id).join(ProjectFiling.firm)))) == ("agency", "firm", "project_filing")
    assert aggregates.tables_read(select(Firm).where(exists().where(ChangeFiling.id == Firm.id))) \
        == ("change_filing", "firm")
    assert aggregates.tables_read(select(Firm.id, select(func.count(Alert.id)).where(Alert.firm_id == Firm.id)
                                         .scalar_subquery())) == ("alert", "firm")
    assert aggregates.tables_read(select(ProjectFiling).join(other, other.id == ProjectFiling.firm_id)) \
        == ("firm", "project_filing")
    assert aggregates.tables_read(select(ProjectFiling).join(ProjectFiling.firm.of_type(other))) \
        == ("firm", "project_filing")
    assert aggregates.tables_read(select(User).join(User.roles)) == ("user_account", "user_role")
    # Eager loads add no rows: a firm's change does not drop a count of filings.
    assert aggregates.tables_read(select(ProjectFiling).options(joinedload(ProjectFiling.firm))) == ("project_filing",)
    assert aggregates.tables_read(select(Firm).where(text("firm.id > 0"))) is None  # raw SQL: unknown tables


def test_a_relationship_join_is_invalidated_by_its_target_table(app, build):
    from portal.filings.models import ProjectFiling

    filing = build.filing()
    query = select(ProjectFiling).join(ProjectFiling.firm).where(Firm.status == "active")
    _new_request()
    assert aggregates.count(query, key="filings of active firms") == 1
    db.session.get(Firm, filing.firm_id).status = "suspended"
    db.session.commit()
    _new_request()
    assert aggregates.count(query, key="filings of active firms") == 0


def test_declared_tables_replace_the_derived_ones(app, build):
    build.firm()
    _new_request()
    assert aggregates.count(_firms(), key="declared", tables=[Alert]) == 1
    build.firm()  # the firm table changed, but the caller said the count depends on alerts only
    _new_request()
    assert aggregates.count(_firms(), key="declared", tables=[Alert]) == 1
