"""Fixtures for the portal's government-platform integration tests (import them into a test module)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from portal.gov.fake import FakeGovPlatform
from portal.gov.sandbox import SandboxServer
from portal.gov.signing import sign_request
from portal.integrations import gov_client

APP_ID = "portal-test"
SECRET = "test-secret-0123456789"


@pytest.fixture
def fake(app) -> Iterator[FakeGovPlatform]:
    """The app's fake platform, emptied of earlier tests' tickets, pushes and cases."""
    app.config.update(GOV_MODE="fake", GOV_APP_ID=APP_ID, GOV_SECRET=SECRET)
    platform = gov_client.fake_platform(app)
    platform.reset()
    yield platform
    platform.reset()


@pytest.fixture
def sandbox(app) -> Iterator[SandboxServer]:
    """A sandbox on a free port with the app switched to GOV_MODE=http against it."""
    server = SandboxServer({"app_id": APP_ID, "secret": SECRET,
                            "users": [{"platform_user_id": "sb-user", "name": "Sandbox User"}]}).start()
    saved = {k: app.config.get(k) for k in ("GOV_MODE", "GOV_BASE_URL", "GOV_APP_ID", "GOV_SECRET",
                                            "GOV_READ_TIMEOUT", "GOV_BREAKER_RESET_SECONDS")}
    app.config.update(GOV_MODE="http", GOV_BASE_URL=server.url, GOV_APP_ID=APP_ID, GOV_SECRET=SECRET,
                      GOV_READ_TIMEOUT=1.0)
    gov_client.reset_clients(app)
    yield server
    server.stop()
    app.config.update(saved)
    gov_client.reset_clients(app)
    gov_client.breaker(app).reset()


def signed_post(client, path: str, event: dict[str, Any], *, timestamp: int | None = None,
                nonce: str | None = None, secret: str = SECRET, body: bytes | None = None):
    """POST a platform callback signed like the platform does."""
    payload = body if body is not None else json.dumps(event, ensure_ascii=False).encode()
    headers = sign_request("POST", path, "", payload, app_id=APP_ID, secret=secret, timestamp=timestamp,
                           nonce=nonce)
    headers["Content-Type"] = "application/json"
    return client.post(path, data=payload, headers=headers)
