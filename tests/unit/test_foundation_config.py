"""Production refuses to start without its secrets, on SQLite, or with the development keys."""
from __future__ import annotations

import pytest

from config import ProductionConfig, load_config

GOOD = {
    "SECRET_KEY": "x" * 64,
    "DATABASE_URL": "postgresql+psycopg://portal:pw@127.0.0.1:5432/portal",
    "FIELD_ENCRYPTION_KEY": "cHJvZHVjdGlvbi1maWVsZC1rZXktMzItYnl0ZXMtbG9uZw==",
    "AUDIT_HMAC_KEY": "y" * 40,
}


@pytest.fixture
def env(monkeypatch):
    for name in [*GOOD, "FLASK_DEBUG", "FLASK_CONFIG"]:
        monkeypatch.delenv(name, raising=False)

    def _set(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return _set


def test_production_starts_with_all_secrets_on_postgresql(env):
    env(**GOOD)
    cfg = load_config("production")
    assert cfg.SECRET_KEY == GOOD["SECRET_KEY"]
    assert cfg.SQLALCHEMY_DATABASE_URI == GOOD["DATABASE_URL"]
    assert cfg.SESSION_COOKIE_SECURE is True and cfg.HSTS is True


@pytest.mark.parametrize("missing", sorted(GOOD))
def test_production_refuses_to_start_without(env, missing):
    env(**{k: v for k, v in GOOD.items() if k != missing})
    with pytest.raises(RuntimeError, match=missing):
        load_config("production")


def test_production_refuses_sqlite(env):
    env(**{**GOOD, "DATABASE_URL": "sqlite:////var/lib/portal/portal.db"})
    with pytest.raises(RuntimeError, match="SQLite"):
        load_config("production")


@pytest.mark.parametrize("name", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY", "AUDIT_HMAC_KEY"])
def test_production_refuses_development_keys(env, name):
    from config import Config

    env(**{**GOOD, name: getattr(Config, name)})
    with pytest.raises(RuntimeError, match="development keys"):
        load_config("production")


def test_production_refuses_debug(env):
    env(**GOOD, FLASK_DEBUG="1")
    with pytest.raises(RuntimeError, match="DEBUG"):
        load_config("production")


def test_create_app_refuses_production_without_secrets(env):
    from portal import create_app

    with pytest.raises(RuntimeError):
        create_app(config_name="production")


def test_environment_is_read_when_loaded_not_at_import(env):
    env(SESSION_IDLE_MINUTES="15", LOGIN_MAX_FAILURES="3")
    cfg = load_config("development")
    assert (cfg.SESSION_IDLE_MINUTES, cfg.LOGIN_MAX_FAILURES) == (15, 3)


def test_testing_config_ignores_database_url(env):
    env(DATABASE_URL="postgresql+psycopg://prod@10.0.0.1/portal")
    assert "10.0.0.1" not in load_config("testing").SQLALCHEMY_DATABASE_URI


def test_check_reads_a_given_environment():
    with pytest.raises(RuntimeError):
        ProductionConfig.check({})
    ProductionConfig.check(GOOD)


def test_trusted_proxy_addresses_reach_the_app(tmp_path):
    from flask import request

    from portal import create_app
    from portal.web.permissions import public

    def _app(hops):
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
                          "SECRET_KEY": "t", "UPLOAD_DIR": str(tmp_path), "TRUSTED_PROXIES": hops})
        app.add_url_rule("/ip", "ip", public(lambda: request.remote_addr or ""))
        return app.test_client()

    headers = {"X-Forwarded-For": "203.0.113.9"}
    assert _app(0).get("/ip", headers=headers).get_data(as_text=True) == "127.0.0.1"
    assert _app(1).get("/ip", headers=headers).get_data(as_text=True) == "203.0.113.9"
