"""The HTTP adapter's resilience against the sandbox over real HTTP: retries, timeouts, the breaker."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server

from portal.gov.breaker import CircuitBreaker, InMemoryBreakerStore
from portal.gov.http import HttpGovPlatform
from portal.gov.port import GovRejected, GovUnavailable, GovUserInfo
from portal.gov.sandbox import SandboxServer, create_sandbox_app
from portal.gov.signing import sign_request

from .support import APP_ID, REDIRECT_URI, SECRET, FakeClock, make_http

FIRM = GovUserInfo("u-2002", "泸州某档案服务有限公司", "legal", "91510502MA62XXXX1B", 4)


def set_faults(server: SandboxServer, **faults: Any) -> None:
    response = requests.post(f"{server.url}/_admin/faults", json=faults, timeout=5)
    assert response.status_code == 200, response.text


def requests_seen(server: SandboxServer) -> dict[str, int]:
    return requests.get(f"{server.url}/_admin/requests", timeout=5).json()["data"]


def dedupe_log(server: SandboxServer) -> dict[str, Any]:
    return requests.get(f"{server.url}/_admin/dedupe-log", timeout=5).json()["data"]


def add_firm(server: SandboxServer) -> None:
    requests.post(f"{server.url}/_admin/users", json=vars(FIRM), timeout=5).raise_for_status()


def test_idempotent_calls_are_retried_on_server_errors(sandbox_factory: Any) -> None:
    server = sandbox_factory(faults={"error_rate": 1.0})
    add_firm(server)
    gov = make_http(server, retries=3)
    with pytest.raises(GovUnavailable) as caught:
        gov.push_message(FIRM.platform_user_id, "T", {}, "k-1")
    assert (caught.value.code, caught.value.status) == ("injected_fault", 503)
    with pytest.raises(GovUnavailable):
        gov.verify_enterprise(FIRM.uscc or "")
    with pytest.raises(GovUnavailable):
        gov.update_case("LZ-1", "processing", "", "k-2")
    seen = requests_seen(server)
    assert seen["POST /messages"] == 4
    assert seen["GET /enterprise/<uscc>"] == 4
    assert seen["PUT /cases/<path:case_no>"] == 4


def test_ticket_exchange_is_never_retried(sandbox_factory: Any) -> None:
    server = sandbox_factory(faults={"error_rate": 1.0})
    gov = make_http(server, retries=3)
    with pytest.raises(GovUnavailable):
        gov.exchange_ticket("ST-whatever", REDIRECT_URI)
    assert requests_seen(server)["POST /oauth/token"] == 1


def test_rejections_are_not_retried(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    gov = make_http(server, retries=3)
    with pytest.raises(GovRejected) as caught:
        gov.verify_enterprise("bad")
    assert (caught.value.code, caught.value.status) == ("invalid_uscc", 400)
    assert requests_seen(server)["GET /enterprise/<uscc>"] == 1


def test_a_retry_after_a_transient_error_succeeds(sandbox_factory: Any) -> None:
    # With seed 3 and error rate 0.5 the sandbox fails the first request and passes the second; the
    # assertion on the request count guards that premise.
    server = sandbox_factory(faults={"error_rate": 0.5, "seed": 3})
    add_firm(server)
    gov = make_http(server, retries=3)
    result = gov.push_message(FIRM.platform_user_id, "T", {"n": 1}, "k-retry")
    assert result.platform_user_id == FIRM.platform_user_id
    assert requests_seen(server)["POST /messages"] >= 2
    assert dedupe_log(server)["k-retry"]["applied"] == 1


def test_backoff_grows_between_retries(sandbox_factory: Any) -> None:
    server = sandbox_factory(faults={"error_rate": 1.0})
    pauses: list[float] = []
    gov = make_http(server, retries=3, backoff=0.2, sleep=pauses.append)
    with pytest.raises(GovUnavailable):
        gov.verify_enterprise("91510502MA62XXXX1B")
    assert len(pauses) == 3
    for attempt, pause in enumerate(pauses, start=1):
        step = 0.2 * 2 ** (attempt - 1)
        assert step / 2 <= pause <= step


def test_read_timeout_becomes_unavailable(sandbox_factory: Any) -> None:
    server = sandbox_factory(faults={"latency_ms": 1000})
    gov = make_http(server, read_timeout=0.2, retries=0)
    started = time.monotonic()
    with pytest.raises(GovUnavailable) as caught:
        gov.verify_enterprise("91510502MA62XXXX1B")
    assert caught.value.code == "timeout"
    assert time.monotonic() - started < 0.8


def test_health_is_false_on_timeout(sandbox_factory: Any) -> None:
    server = sandbox_factory(faults={"latency_ms": 1000})
    assert make_http(server, read_timeout=0.2).health() is False


def test_connection_refused_becomes_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gov = HttpGovPlatform(f"http://127.0.0.1:{port}", APP_ID, SECRET, retries=1, backoff=0.01)
    with pytest.raises(GovUnavailable) as caught:
        gov.verify_enterprise("91510502MA62XXXX1B")
    assert caught.value.code == "connection_error"
    assert gov.health() is False


def test_timeout_after_apply_then_retry_applies_once(sandbox_factory: Any) -> None:
    server = sandbox_factory(faults={"timeout_after_apply_rate": 1.0, "timeout_sleep_ms": 700})
    add_firm(server)
    gov = make_http(server, read_timeout=0.25, retries=2)
    with pytest.raises(GovUnavailable) as caught:
        gov.push_message(FIRM.platform_user_id, "T", {"n": 1}, "k-tap")
    assert caught.value.code == "timeout"
    assert dedupe_log(server)["k-tap"] == {"operation": "push_message", "received": 3, "applied": 1}

    set_faults(server)
    result = gov.push_message(FIRM.platform_user_id, "T", {"n": 1}, "k-tap")
    messages = requests.get(f"{server.url}/_admin/messages", timeout=5).json()["data"]
    assert [m["message_id"] for m in messages] == [result.message_id]
    assert dedupe_log(server)["k-tap"] == {"operation": "push_message", "received": 4, "applied": 1}


def test_open_breaker_fails_fast_without_network(sandbox_factory: Any) -> None:
    server = sandbox_factory(faults={"latency_ms": 2000})
    breaker = CircuitBreaker("fast", failure_threshold=2, reset_timeout=60)
    gov = make_http(server, read_timeout=0.2, retries=0, breaker=breaker)
    for _ in range(2):
        with pytest.raises(GovUnavailable) as caught:
            gov.verify_enterprise("91510502MA62XXXX1B")
        assert caught.value.code == "timeout"
    assert breaker.state == "open"
    before = requests_seen(server)

    started = time.monotonic()
    with pytest.raises(GovUnavailable) as caught:
        gov.verify_enterprise("91510502MA62XXXX1B")
    elapsed = time.monotonic() - started
    assert caught.value.code == "circuit_open"
    assert elapsed < 0.05

    started = time.monotonic()
    assert gov.health() is False
    assert time.monotonic() - started < 0.05
    assert requests_seen(server) == before


def test_breaker_opening_mid_retries_stops_the_retries(sandbox_factory: Any) -> None:
    server = sandbox_factory(faults={"error_rate": 1.0})
    breaker = CircuitBreaker("mid", failure_threshold=2, reset_timeout=60)
    gov = make_http(server, retries=5, breaker=breaker)
    with pytest.raises(GovUnavailable) as caught:
        gov.verify_enterprise("91510502MA62XXXX1B")
    assert caught.value.code == "injected_fault"
    assert requests_seen(server)["GET /enterprise/<uscc>"] == 2


def test_breaker_half_opens_and_closes_when_the_platform_recovers(sandbox_factory: Any) -> None:
    server = sandbox_factory(faults={"error_rate": 1.0})
    breaker_clock = FakeClock()
    breaker = CircuitBreaker("recover", failure_threshold=1, reset_timeout=10, clock=breaker_clock)
    gov = make_http(server, retries=0, breaker=breaker)
    with pytest.raises(GovUnavailable):
        gov.verify_enterprise("91510502MA62XXXX1B")
    assert breaker.state == "open"
    set_faults(server)
    with pytest.raises(GovUnavailable) as caught:
        gov.verify_enterprise("91510502MA62XXXX1B")
    assert caught.value.code == "circuit_open"
    breaker_clock.advance(10)
    assert gov.verify_enterprise("91510502MA62XXXX1B").status == "not_found"
    assert breaker.state == "closed"


def test_rejections_do_not_trip_the_breaker(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    breaker = CircuitBreaker("rej", failure_threshold=2, reset_timeout=60)
    gov = make_http(server, breaker=breaker)
    for _ in range(3):
        with pytest.raises(GovRejected):
            gov.verify_enterprise("bad")
    assert breaker.state == "closed"


def test_wrong_secret_is_rejected_as_bad_signature(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    gov = HttpGovPlatform(server.url, APP_ID, "not-the-secret", retries=0)
    with pytest.raises(GovRejected) as caught:
        gov.verify_enterprise("91510502MA62XXXX1B")
    assert (caught.value.code, caught.value.status) == ("bad_signature", 401)


def test_unknown_app_id_is_rejected(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    gov = HttpGovPlatform(server.url, "someone-else", SECRET, retries=0)
    with pytest.raises(GovRejected) as caught:
        gov.verify_enterprise("91510502MA62XXXX1B")
    assert caught.value.code == "unknown_app"


def test_client_clock_skew_beyond_the_window_is_rejected(sandbox_factory: Any, clock: FakeClock) -> None:
    server = sandbox_factory(clock=clock)
    skewed = FakeClock(clock() + 301)
    with pytest.raises(GovRejected) as caught:
        make_http(server, skewed).verify_enterprise("91510502MA62XXXX1B")
    assert caught.value.code == "stale_timestamp"
    assert make_http(server, FakeClock(clock() + 299)).verify_enterprise("91510502MA62XXXX1B")


def test_sandbox_restricted_to_sm3_refuses_sha256(sandbox_factory: Any) -> None:
    server = sandbox_factory(sign_methods={"HMAC-SM3"})
    assert make_http(server, sign_method="HMAC-SM3").health() is True
    with pytest.raises(GovRejected) as caught:
        make_http(server, sign_method="HMAC-SHA256").verify_enterprise("91510502MA62XXXX1B")
    assert caught.value.code == "unsupported_sign_method"


def test_unsigned_contract_calls_are_refused(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    response = requests.get(f"{server.url}/health", timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "missing_signature"


def test_captured_request_cannot_be_replayed(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    headers = sign_request("GET", "/health", None, b"", app_id=APP_ID, secret=SECRET)
    assert requests.get(f"{server.url}/health", headers=headers, timeout=5).status_code == 200
    replay = requests.get(f"{server.url}/health", headers=headers, timeout=5)
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "replayed_nonce"


def fault_pattern(server: SandboxServer, calls: int = 24) -> list[bool]:
    gov = make_http(server, retries=0)
    return [gov.health() for _ in range(calls)]


def test_seeded_faults_are_repeatable(sandbox_factory: Any) -> None:
    first = fault_pattern(sandbox_factory(faults={"error_rate": 0.5, "seed": 7}))
    second = fault_pattern(sandbox_factory(faults={"error_rate": 0.5, "seed": 7}))
    other = fault_pattern(sandbox_factory(faults={"error_rate": 0.5, "seed": 8}))
    assert first == second
    assert True in first and False in first
    assert other != first


def test_posting_faults_with_a_seed_restarts_the_sequence(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    set_faults(server, error_rate=0.5, seed=11)
    first = fault_pattern(server)
    set_faults(server, error_rate=0.5, seed=11)
    assert fault_pattern(server) == first


def test_invalid_fault_settings_are_refused(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    for bad in ({"error_rate": 2}, {"latency_ms": -1}, {"eror_rate": 0.1}):
        response = requests.post(f"{server.url}/_admin/faults", json=bad, timeout=5)
        assert response.status_code == 400, bad


def test_platform_mounted_under_a_path_prefix(sandbox_factory: Any) -> None:
    gateway = DispatcherMiddleware(
        NotFound(), {"/gateway/v1": create_sandbox_app({"app_id": APP_ID, "secret": SECRET})}
    )
    server = make_server("127.0.0.1", 0, gateway, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        gov = HttpGovPlatform(f"http://127.0.0.1:{server.server_port}/gateway/v1", APP_ID, SECRET, retries=0)
        assert gov.health() is True
        assert gov.create_case("泸档 7", "t", "received", None, "k-prefix").revision == 1
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_from_settings_builds_a_working_adapter_sharing_a_breaker_store(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    store = InMemoryBreakerStore()
    settings = {
        "GOV_BASE_URL": server.url,
        "GOV_APP_ID": APP_ID,
        "GOV_SECRET": SECRET,
        "GOV_SIGN_METHOD": "HMAC-SM3",
        "GOV_READ_TIMEOUT": "0.5",
        "GOV_BREAKER_THRESHOLD": "1",
    }
    web, worker = (
        HttpGovPlatform.from_settings(settings, store),
        HttpGovPlatform.from_settings(settings, store),
    )
    assert (web.sign_method, web.read_timeout, web.breaker.failure_threshold) == ("HMAC-SM3", 0.5, 1)
    assert web.health() is True
    set_faults(server, error_rate=1.0)
    with pytest.raises(GovUnavailable):
        worker.verify_enterprise("91510502MA62XXXX1B")
    with pytest.raises(GovUnavailable) as caught:
        web.verify_enterprise("91510502MA62XXXX1B")
    assert caught.value.code == "circuit_open"


def test_from_settings_requires_the_credentials() -> None:
    with pytest.raises(ValueError, match="GOV_SECRET"):
        HttpGovPlatform.from_settings({"GOV_BASE_URL": "http://127.0.0.1:1", "GOV_APP_ID": "a"})


@pytest.fixture
def misbehaving_upstream() -> Iterator[str]:
    """A server that ignores the contract, to check how the adapter classifies odd answers."""
    app = Flask("upstream")

    @app.get("/enterprise/<uscc>")
    def enterprise(uscc: str) -> Any:
        answers = {
            "html": ("<html>gateway</html>", 200),
            "nodata": ({"result": "ok"}, 200),
            "partial": ({"data": {"uscc": uscc}}, 200),
            "gone": ("not here", 404),
            "busy": ({"error": {"code": "rate_limited", "message": "slow down"}}, 429),
            "moved": ("", 302),
        }
        return answers[uscc]

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.mark.parametrize(
    ("case", "error", "code"),
    [
        ("html", GovUnavailable, "bad_response"),
        ("nodata", GovUnavailable, "bad_response"),
        ("partial", GovUnavailable, "bad_response"),
        ("gone", GovRejected, "http_404"),
        ("busy", GovUnavailable, "rate_limited"),
        ("moved", GovUnavailable, "unexpected_status"),
    ],
)
def test_odd_answers_are_classified(misbehaving_upstream: str, case: str, error: type, code: str) -> None:
    gov = HttpGovPlatform(misbehaving_upstream, APP_ID, SECRET, retries=0)
    with pytest.raises(error) as caught:
        gov.verify_enterprise(case)
    assert caught.value.code == code
