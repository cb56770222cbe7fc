"""Tests of the government-platform integration (portal.gov)."""
