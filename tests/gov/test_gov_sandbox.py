"""Sandbox features outside the port: the browser sign-in page, admin endpoints, callbacks, the CLI."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask, request
from werkzeug.serving import make_server

from portal.gov.cli import gov
from portal.gov.sandbox import SandboxServer
from portal.gov.signing import InMemoryNonceStore, SignatureError, verify_request

from .support import APP_ID, REDIRECT_URI, SECRET, make_http


def test_browser_sign_in_redirects_back_with_ticket_and_state(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    gov_platform = make_http(server)
    return_to = REDIRECT_URI + "?next=%2Ffilings"
    url = gov_platform.authorize_url("state-123", return_to)
    response = requests.get(
        url, params={"user": "u-77", "name": "赵六", "real_name_level": "4"}, allow_redirects=False, timeout=5
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    query = parse_qs(location.query)
    assert location.path == "/auth/gov/return"
    assert query["next"] == ["/filings"]
    assert query["state"] == ["state-123"]
    token = gov_platform.exchange_ticket(query["ticket"][0], return_to)
    user = gov_platform.user_info(token)
    assert (user.platform_user_id, user.name, user.real_name_level) == ("u-77", "赵六", 4)


def test_sign_in_page_lists_test_users_escaped(sandbox_factory: Any) -> None:
    server = sandbox_factory(users=[{"platform_user_id": "u-1", "name": "<script>x</script>"}])
    url = make_http(server).authorize_url("s", REDIRECT_URI)
    page = requests.get(url, timeout=5)
    assert page.status_code == 200
    assert "&lt;script&gt;x&lt;/script&gt;" in page.text
    assert "<script>x" not in page.text


def test_sign_in_page_refuses_another_app(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    response = requests.get(
        f"{server.url}/oauth/authorize",
        params={"app_id": "other", "redirect_uri": REDIRECT_URI, "state": "s"},
        timeout=5,
    )
    assert response.status_code == 400


def test_admin_ticket_comes_with_the_browser_return_url(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    body = {
        "platform_user_id": "u-5",
        "name": "法人",
        "account_type": "legal",
        "uscc": "91510502MA62XXXX1B",
        "real_name_level": 3,
        "redirect_uri": REDIRECT_URI,
        "state": "abc",
    }
    data = requests.post(f"{server.url}/_admin/tickets", json=body, timeout=5).json()["data"]
    query = parse_qs(urlsplit(data["redirect_url"]).query)
    assert query == {"ticket": [data["ticket"]], "state": ["abc"]}
    user = make_http(server).user_info(make_http(server).exchange_ticket(data["ticket"], REDIRECT_URI))
    assert (user.account_type, user.uscc) == ("legal", "91510502MA62XXXX1B")


def test_admin_reset_forgets_state(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    gov_platform = make_http(server)
    gov_platform.create_case("C-1", "t", "received", None, "k-1")
    assert requests.post(f"{server.url}/_admin/reset", timeout=5).status_code == 200
    assert requests.get(f"{server.url}/_admin/cases", timeout=5).json()["data"] == {}
    assert requests.get(f"{server.url}/_admin/dedupe-log", timeout=5).json()["data"] == {}


@pytest.fixture
def callback_receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A stand-in for the portal's callback endpoint, verifying signatures the way the portal will."""
    received: list[dict[str, Any]] = []
    nonces = InMemoryNonceStore()
    app = Flask("receiver")

    @app.post("/integrations/gov/callback")
    def callback() -> Any:
        try:
            verify_request(
                method=request.method,
                path=request.path,
                query=request.query_string.decode(),
                body=request.get_data(),
                headers=request.headers,
                credentials={"platform": "platform-secret"},
                nonce_store=nonces,
            )
        except SignatureError as exc:
            return {"error": exc.code}, 401
        received.append(json.loads(request.get_data()))
        return {"ok": True}, 200

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/integrations/gov/callback", received
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_sandbox_sends_signed_callbacks(sandbox_factory: Any, callback_receiver: Any) -> None:
    url, received = callback_receiver
    server = sandbox_factory(callback_app_id="platform", callback_secret="platform-secret")
    event = {"url": url, "event_type": "feedback.submitted", "data": {"filing": "LZ-1", "score": 5}}
    answer = requests.post(f"{server.url}/_admin/callbacks", json=event, timeout=5).json()["data"]
    assert answer["status"] == 200
    assert len(received) == 1
    assert received[0]["event_type"] == "feedback.submitted"
    assert received[0]["data"] == {"filing": "LZ-1", "score": 5}
    assert received[0]["event_id"] == answer["event"]["event_id"]


def test_callbacks_signed_with_the_wrong_secret_are_refused(
    sandbox_factory: Any, callback_receiver: Any
) -> None:
    url, received = callback_receiver
    server = sandbox_factory(callback_app_id="platform", callback_secret="wrong")
    event = {"url": url, "event_type": "feedback.submitted", "data": {}}
    answer = requests.post(f"{server.url}/_admin/callbacks", json=event, timeout=5).json()["data"]
    assert answer["status"] == 401
    assert received == []


def test_stopping_the_server_wakes_sleeping_requests() -> None:
    server = SandboxServer({"app_id": APP_ID, "secret": SECRET, "faults": {"latency_ms": 10_000}}).start()
    caller = threading.Thread(
        target=lambda: make_http(server, read_timeout=20, retries=0).health(), daemon=True
    )
    caller.start()
    time.sleep(0.2)
    started = time.monotonic()
    server.stop()
    caller.join(timeout=5)
    assert not caller.is_alive()
    assert time.monotonic() - started < 3


def test_cli_group_offers_the_sandbox_command() -> None:
    app = Flask("cli-host")
    app.cli.add_command(gov)
    result = app.test_cli_runner().invoke(args=["gov", "sandbox", "--help"])
    assert result.exit_code == 0, result.output
    for option in ("--port", "--error-rate", "--latency-ms", "--timeout-after-apply-rate", "--seed"):
        assert option in result.output
