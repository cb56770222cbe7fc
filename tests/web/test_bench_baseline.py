"""`/_bench/baseline` exists only when BENCH_BASELINE is set; the bench configuration wants real keys."""
from __future__ import annotations

import pytest

from portal import create_app
from portal.extensions import db


def test_baseline_endpoint_absent_by_default(client):
    assert client.get("/_bench/baseline").status_code == 404


def test_baseline_endpoint_answers_one_query_when_enabled(app, build, count_queries):
    office = build.office(name="Baseline office")
    bench_app = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                            "BENCH_BASELINE": True, "SECRET_KEY": "test-secret"})
    try:
        with bench_app.app_context():
            with count_queries() as queries:
                response = bench_app.test_client().get("/_bench/baseline")
            assert response.status_code == 200
            assert office.id == 1
            assert "Baseline office" in response.get_data(as_text=True)
            assert queries.count == 1
    finally:
        with bench_app.app_context():
            db.engine.dispose()


def test_bench_config_refuses_development_keys(monkeypatch):
    from config import load_config

    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.db")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config("bench")
    monkeypatch.setenv("SECRET_KEY", "a-real-generated-secret")
    monkeypatch.setenv("FIELD_ENCRYPTION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
    monkeypatch.setenv("AUDIT_HMAC_KEY", "another-generated-secret")
    assert load_config("bench").ENV_NAME == "bench"
