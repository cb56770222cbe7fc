"""One test per root cause the route fuzzer (test_fuzz_routes.py) found: each failed on the code before
its fix (a 500, or a header lost)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import update
from werkzeug.exceptions import TooManyRequests

from portal.auth import totp
from portal.core import clock
from portal.core.digests import same_secret
from portal.extensions import db
from portal.incidents import service as incidents
from portal.supervision.models import RectificationOrder
from tests.feedback.builders import accepted_project, acting

TOO_LONG_OR_NUL = "值过长或含有不允许的字符"  # the zh_CN words of the 400 page for such values


def _order_from_incident(build):
    filing, agency_user, _firm_user = accepted_project(build, status="in_progress")
    regulator = build.user("regulator")
    report = incidents.IncidentReport(filing_id=filing.id, incident_type="leak", severity="high",
                                      occurred_at=clock.utcnow() - timedelta(hours=3),
                                      description="Scanned images were copied to a personal phone.")
    with acting(agency_user):
        incident = incidents.report_incident(report, ())
    with acting(regulator):
        incidents.start_investigation(incident.id)
        incidents.uphold_incident(incident.id, "Copies found on a personal phone.")
        order = incidents.order_rectification(incident.id, "Wipe all copies.")
    return order, regulator


def test_a_rectification_ordered_from_an_incident_shows_its_item_on_the_order_and_its_print(app, build, login):
    """Was a 500 (TypeError: unhashable type: 'dict'): the incident service stored the item as a dict."""
    order, regulator = _order_from_incident(build)
    client = login(regulator)
    for url in (f"/supervision/rectifications/{order.id}", f"/supervision/rectifications/{order.id}/print"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Scanned images were copied to a personal phone. — Copies found on a personal phone." in (
            response.get_data(as_text=True))


def test_migration_fuzz_1_rewrites_incident_items_stored_as_dicts(app, build):
    order, _regulator = _order_from_incident(build)
    old_shape = [{"source": "incident", "incident_id": order.incident_id, "incident_type": "leak",
                  "severity": "high", "text": "Images copied.", "conclusion": "Upheld."}]
    db.session.execute(update(RectificationOrder).where(RectificationOrder.id == order.id).values(items=old_shape))
    db.session.commit()
    downgrade(revision="filings_2")
    upgrade()
    db.session.expire_all()
    assert db.session.get(RectificationOrder, order.id).items == ["Images copied. — Upheld."]


@pytest.mark.parametrize("given", ["中文", "１２３４５６", "\u202e", "", None])
def test_same_secret_is_false_for_any_text_and_never_raises(given):
    """hmac.compare_digest raises TypeError on non-ASCII str: receipt codes and one-time codes were 500s."""
    assert same_secret("abc123", given) is False
    assert same_secret("abc123", "abc123") is True


def test_one_time_codes_in_full_width_digits_are_wrong_codes_not_errors():
    secret, now = totp.new_secret(), datetime(2026, 3, 1, 8, tzinfo=UTC)
    assert totp.matching_step(secret, "１２３４５６", now, None) is None
    assert totp.replayed_step(secret, "中文", now, totp.time_step(now)) is False


def test_receipt_verification_with_a_non_ascii_code_is_not_found(client):
    assert client.get("/filings/verify/LZWB-2026-0001", query_string={"code": "\u202e中文"}).status_code == 404


def test_a_query_value_of_100_kb_is_a_translated_400_not_a_database_error(app, build, login):
    """Was a 500 on SQLite: a 100 kB search term made the LIKE pattern too complex."""
    client = login(build.user("regulator"))
    response = client.get("/firms/export.xlsx", query_string={"q": "x" * 100_000})
    assert response.status_code == 400
    assert TOO_LONG_OR_NUL in response.get_data(as_text=True)
    assert client.get("/firms/", query_string={"q": "x" * 2000}).status_code == 200


@pytest.mark.parametrize("where", ["query", "form", "field name"])
def test_a_nul_character_anywhere_in_a_request_is_a_translated_400(app, build, login, where):
    """PostgreSQL refuses NUL in text (a DataError, so a 500); SQLite stored or compared it silently."""
    user = build.user("regulator")
    client = login(user)
    if where == "query":
        response = client.get("/filings/", query_string={"q": "a\x00b"})
    elif where == "form":
        response = client.post("/auth/password", data={"current_password": "a\x00b", "new_password": "x"})
    else:
        response = client.post("/auth/password", data={"current\x00password": "a"})
    assert response.status_code == 400
    assert TOO_LONG_OR_NUL in response.get_data(as_text=True)


def test_the_signed_platform_callback_body_stays_readable_after_the_values_check(app, client):
    """The check reads form bodies; the callback must still see the raw bytes it verifies (401, not 500)."""
    response = client.post("/integrations/gov/callback", data={"event": "x"})
    assert response.status_code < 500


def test_error_pages_keep_the_headers_of_their_exception(app, client):
    """render_error dropped them: a 405 lost Allow, a 429 raised with retry_after lost Retry-After."""
    response = client.delete("/auth/login")
    assert response.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}
    with app.test_request_context("/auth/login"):
        response = app.make_response(app.handle_user_exception(TooManyRequests(retry_after=30)))
    assert response.status_code == 429 and response.headers["Retry-After"] == "30"
    with app.test_request_context("/api/v1/firms"):
        response = app.make_response(app.handle_user_exception(TooManyRequests(retry_after=30)))
    assert response.status_code == 429 and response.headers["Retry-After"] == "30" and response.is_json
