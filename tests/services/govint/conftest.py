"""Fixtures of the government-platform integration tests."""
from tests.govint.fixtures import fake, sandbox  # noqa: F401
