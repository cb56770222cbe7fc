"""Test clients shared by the suite's fixtures and the demo-data crawls."""
from __future__ import annotations

from flask.testing import FlaskClient


class ReadingClient(FlaskClient):
    """Reads and closes every response at once, as a server does: a streamed response (an export) that
    nobody reads would otherwise end its request (teardown, the actor reset) only when it is collected,
    outside the test's context. A test of streaming itself passes buffered=False."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)
