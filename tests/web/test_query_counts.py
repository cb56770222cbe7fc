"""Pages send a constant number of SQL statements whatever the amount of data (no N+1 queries)."""
from __future__ import annotations

from portal.core import clock
from portal.core.models import Notification
from portal.extensions import db
from tests.querycount import assert_constant_queries


def _notify(user, n: int) -> None:
    for i in range(n):
        db.session.add(Notification(user_id=user.id, message="Filing %(number)s changed.",
                                    params={"number": f"LZWB-2026-{i:04d}"}, link="/home/",
                                    created_at=clock.utcnow()))
    db.session.commit()


def _grow_everything(build, firm, agency):
    def grow():
        for _ in range(5):
            build.filing(firm=firm, agency=agency, status="in_progress")
    return grow


def test_healthz_query_count_is_constant(client, build):
    count = assert_constant_queries(client, "/healthz", grow=lambda: [build.firm() for _ in range(3)])
    assert count == 1


def test_regulator_home_query_count_is_constant(client, build, login):
    user = build.user("regulator")
    login(user)
    firm, agency = build.firm(), build.agency()

    def grow():
        _grow_everything(build, firm, agency)()
        _notify(user, 12)

    assert_constant_queries(client, "/home/", grow=grow)


def test_firm_user_home_query_count_is_constant(client, build, login):
    user = build.user("vendor")
    login(user)
    agency = build.agency()

    def grow():
        _grow_everything(build, user.firm, agency)()
        build.staff(user.firm)
        _notify(user, 12)

    assert_constant_queries(client, "/home/", grow=grow)


def test_agency_user_home_query_count_is_constant(client, build, login):
    user = build.user("agency")
    login(user)
    firm = build.firm()
    assert_constant_queries(client, "/home/", grow=_grow_everything(build, firm, user.agency))


def test_inbox_query_count_is_constant_from_one_message_to_several_pages(client, build, login):
    user = build.user("regulator")
    login(user)
    _notify(user, 1)
    count = assert_constant_queries(client, "/home/inbox", grow=lambda: _notify(user, 45))
    page = client.get("/home/inbox").get_data(as_text=True)
    assert 'rel="next"' in page  # the grown inbox really has several pages
    assert count <= 8


def test_inbox_second_page_query_count_matches_first(client, build, login):
    user = build.user("regulator")
    login(user)
    _notify(user, 45)
    first = assert_constant_queries(client, "/home/inbox", grow=lambda: _notify(user, 5))
    second = assert_constant_queries(client, "/home/inbox?page=2", grow=lambda: _notify(user, 5))
    assert first == second


def test_guard_catches_a_growing_page(app, build):
    """The guard itself: a "page" whose statements grow with the data fails it."""
    import pytest
    from sqlalchemy import select

    from portal.firms.models import Firm

    class NPlusOneClient:
        def get(self, _url):
            for firm_id in db.session.scalars(select(Firm.id)).all():
                db.session.get(Firm, firm_id).name  # noqa: B018 - one query per row on purpose
            return type("Response", (), {"status_code": 200})()

    build.firm()
    with pytest.raises(AssertionError, match="N\\+1"):
        assert_constant_queries(NPlusOneClient(), "/n-plus-one", grow=lambda: build.firm())


def test_feedback_list_query_count_is_constant_on_first_deep_and_filtered_pages(client, build, login):
    """The feedback list (1,000,000 rows at province scale) sends the same statements from a few rows to
    several pages: count, the page's ids, the page's rows (portal.feedback.queries.list_page)."""
    from tests.feedback.builders import accepted_project, feedback_rows

    login(build.user("regulator"))
    filing, _agency_user, _firm_user = accepted_project(build)
    feedback_rows(filing, 3)
    counts = {}
    for n, url in enumerate(["/feedback/", "/feedback/?page=2", "/feedback/?low=1&reply=open"]):
        prefix = f"g{n}"
        counts[url] = assert_constant_queries(client, url, grow=lambda p=prefix: feedback_rows(filing, 30, prefix=p))
    assert max(counts.values()) <= 6, counts
