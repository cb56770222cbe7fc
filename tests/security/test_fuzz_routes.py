"""Issue 13 item 3: no input reaches a 500. Every POST and GET route of `app.url_map`, signed in as a demo
account the route admits, gets hostile values in every field and query parameter (tests/security/fuzzing.py).

The default run samples values per field; `FUZZ_DENSE=1` tries every value on every field, as every role
the route admits, on several rows. On PostgreSQL with TEST_DATABASE_URL.
"""
from __future__ import annotations

import random
import time

import pytest
from sqlalchemy import func, select

from tests.security import fuzzing


@pytest.fixture(scope="module")
def demo():
    tmp = fuzzing.temp_dir()
    try:
        yield fuzzing.demo_app(tmp)
    finally:
        fuzzing.remove(tmp)


def test_no_post_route_answers_5xx(demo):
    started = time.monotonic()
    tally = fuzzing.Tally()
    fuzzing.fuzz_posts(demo, tally, random.Random(13))
    print(f"\nPOST fuzz: {tally.summary()} in {time.monotonic() - started:.1f} s")
    assert tally.requests > 500
    assert not tally.errors, tally.summary()


def test_no_get_route_answers_5xx_to_hostile_query_parameters(demo):
    started = time.monotonic()
    tally = fuzzing.Tally()
    fuzzing.fuzz_gets(demo, tally, random.Random(14))
    print(f"\nGET fuzz: {tally.summary()} in {time.monotonic() - started:.1f} s")
    assert tally.requests > 500
    assert not tally.errors, tally.summary()


def test_every_post_route_without_a_csrf_token_answers_400_and_changes_nothing(demo):
    """With CSRF on (the tests switch it off, tests/conftest.py), a POST without a token is refused before
    its view runs: 400 on every route but the exempt ones (the signed platform callback, the token API)."""
    from portal.core.models import AuditEvent
    from portal.extensions import csrf, db

    exempt_views, exempt_blueprints = set(csrf._exempt_views), set(csrf._exempt_blueprints)
    targets, clients = [], {}
    with demo.app_context():
        for rule in sorted((r for r in demo.url_map.iter_rules() if "POST" in r.methods), key=lambda r: r.rule):
            view = demo.view_functions[rule.endpoint]
            if (f"{view.__module__}.{view.__name__}" in exempt_views
                    or rule.endpoint.split(".")[0] in exempt_blueprints):
                continue
            username = fuzzing.users_for(demo, rule.endpoint)[0]
            targets.append((fuzzing.urls_for(demo, rule, username)[0], username))
        db.session.remove()
    for username in {u for _url, u in targets}:
        clients[username] = fuzzing.signed_in(demo, username)  # through the form while CSRF is still off
    with demo.app_context():
        audit_before = db.session.scalar(select(func.count(AuditEvent.id)))
        db.session.remove()
    demo.config["WTF_CSRF_ENABLED"] = True
    try:
        answers = {url: clients[username].post(url, data={"reason": "x", "version": "1"}).status_code
                   for url, username in targets}
    finally:
        demo.config["WTF_CSRF_ENABLED"] = False
    with demo.app_context():
        audit_after = db.session.scalar(select(func.count(AuditEvent.id)))
        db.session.remove()
    assert len(answers) > 50
    assert {url: code for url, code in answers.items() if code != 400} == {}
    assert audit_after == audit_before
