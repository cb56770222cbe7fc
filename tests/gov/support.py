"""Helpers shared by the government-platform tests: a steerable clock and platform harnesses."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Protocol

import requests

from portal.gov.breaker import CircuitBreaker
from portal.gov.fake import FakeGovPlatform
from portal.gov.http import HttpGovPlatform
from portal.gov.port import EnterpriseInfo, GovPlatform, GovUserInfo
from portal.gov.sandbox import SandboxServer

APP_ID = "portal-test"
SECRET = "test-secret-0123456789"
REDIRECT_URI = "https://portal.example.test/auth/gov/return"


class FakeClock:
    """Wall-clock seconds that only move when a test says so."""

    def __init__(self, start: float = 1_764_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_http(server: SandboxServer, clock: FakeClock | None = None, **overrides: Any) -> HttpGovPlatform:
    """An adapter pointed at a running sandbox; fast backoff so retry tests stay short."""
    options: dict[str, Any] = {
        "connect_timeout": 1.0,
        "read_timeout": 2.0,
        "retries": 2,
        "backoff": 0.01,
        "breaker": CircuitBreaker("test", failure_threshold=50, reset_timeout=30),
    }
    if clock is not None:
        options["clock"] = clock
    options.update(overrides)
    return HttpGovPlatform(server.url, APP_ID, SECRET, **options)


class Harness(Protocol):
    """What the contract suite needs beyond the port: set-up and inspection of the platform side."""

    platform: GovPlatform
    clock: FakeClock

    def add_user(self, user: GovUserInfo) -> None: ...

    def mint_ticket(self, platform_user_id: str, redirect_uri: str) -> str: ...

    def add_enterprise(self, info: EnterpriseInfo) -> None: ...

    def dedupe_log(self) -> dict[str, dict[str, Any]]: ...

    def pushes(self) -> list[dict[str, Any]]: ...

    def case_history(self, case_no: str) -> list[list[str]]: ...

    def anchors(self) -> list[dict[str, Any]]: ...


class FakeHarness:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.fake = FakeGovPlatform(app_id=APP_ID, base_url="https://gov.invalid", clock=clock)
        self.platform: GovPlatform = self.fake

    def add_user(self, user: GovUserInfo) -> None:
        self.fake.add_user(user)

    def mint_ticket(self, platform_user_id: str, redirect_uri: str) -> str:
        return self.fake.mint_ticket(platform_user_id, redirect_uri)

    def add_enterprise(self, info: EnterpriseInfo) -> None:
        self.fake.add_enterprise(info)

    def dedupe_log(self) -> dict[str, dict[str, Any]]:
        return {key: asdict(entry) for key, entry in self.fake.dedupe_log().items()}

    def pushes(self) -> list[dict[str, Any]]:
        return [asdict(p) for p in self.fake.pushes]

    def case_history(self, case_no: str) -> list[list[str]]:
        return [list(step) for step in self.fake.cases[case_no].history]

    def anchors(self) -> list[dict[str, Any]]:
        return [asdict(a) for a in self.fake.anchors]


class SandboxHarness:
    """Drives the sandbox's admin endpoints over real HTTP, as the user's browser and a tester would."""

    def __init__(self, server: SandboxServer, clock: FakeClock, sign_method: str) -> None:
        self.server = server
        self.clock = clock
        self.platform: GovPlatform = make_http(server, clock, sign_method=sign_method)

    def _admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.request(method, self.server.url + path, json=body, timeout=5)
        assert response.status_code in (200, 201), response.text
        return response.json()["data"]

    def add_user(self, user: GovUserInfo) -> None:
        self._admin("POST", "/_admin/users", asdict(user))

    def mint_ticket(self, platform_user_id: str, redirect_uri: str) -> str:
        body = {"platform_user_id": platform_user_id, "redirect_uri": redirect_uri}
        return self._admin("POST", "/_admin/tickets", body)["ticket"]

    def add_enterprise(self, info: EnterpriseInfo) -> None:
        self._admin("POST", "/_admin/enterprises", asdict(info))

    def dedupe_log(self) -> dict[str, dict[str, Any]]:
        return self._admin("GET", "/_admin/dedupe-log")

    def pushes(self) -> list[dict[str, Any]]:
        return self._admin("GET", "/_admin/messages")

    def case_history(self, case_no: str) -> list[list[str]]:
        return self._admin("GET", "/_admin/cases")[case_no]["history"]

    def anchors(self) -> list[dict[str, Any]]:
        return self._admin("GET", "/_admin/anchors")
