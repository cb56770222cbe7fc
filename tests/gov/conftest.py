"""Fixtures for the government-platform tests: a steerable clock, sandbox servers, the contract harness."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from portal.gov.sandbox import SandboxServer

from .support import APP_ID, SECRET, FakeClock, FakeHarness, Harness, SandboxHarness


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox_factory() -> Iterator[Any]:
    """Start sandboxes on free ports; every one is stopped at teardown."""
    started: list[SandboxServer] = []

    def start(**config: Any) -> SandboxServer:
        server = SandboxServer({"app_id": APP_ID, "secret": SECRET, **config}).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(params=["fake", "http-sha256", "http-sm3"])
def harness(request: pytest.FixtureRequest, clock: FakeClock, sandbox_factory: Any) -> Iterator[Harness]:
    if request.param == "fake":
        yield FakeHarness(clock)
        return
    server = sandbox_factory(clock=clock)
    method = "HMAC-SM3" if request.param == "http-sm3" else "HMAC-SHA256"
    sandbox_harness = SandboxHarness(server, clock, method)
    yield sandbox_harness
    sandbox_harness.platform.close()  # type: ignore[attr-defined]
