"""Settings classes read from the environment; `load_config` picks one by FLASK_CONFIG / name."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# Development-only keys: never valid in Production (Production refuses to start without its own).
_DEV_SECRET = "dev-only-secret-key-not-for-production"
_DEV_FIELD_KEY = "ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="  # base64 of 32 bytes
_DEV_AUDIT_KEY = "dev-only-audit-chain-key"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class Config:
    """Defaults shared by every environment; each can be overridden by an environment variable."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET)
    FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", _DEV_FIELD_KEY)
    AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY", _DEV_AUDIT_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'portal.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    # Uploads: outside the web root; size limit answered with a 413 page.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(BASE_DIR / "var" / "uploads"))
    UPLOAD_MAX_MB = _int("UPLOAD_MAX_MB", 20)
    MAX_CONTENT_LENGTH = (UPLOAD_MAX_MB + 1) * 1024 * 1024

    # Sessions and login policy.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "portal_session"
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 30)
    SESSION_ABSOLUTE_HOURS = _int("SESSION_ABSOLUTE_HOURS", 12)
    LOGIN_MAX_FAILURES = _int("LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCK_MINUTES = _int("LOGIN_LOCK_MINUTES", 30)
    PASSWORD_HASH_FAST = False

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # tied to the server-side session instead

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")

    PAGE_SIZE = _int("PAGE_SIZE", 20)
    HSTS = False

    # Local rules (the bureau's own choices; the database may override them, see services.rules).
    BLOCK_NEGATIVE_LISTED_FILINGS = _bool("BLOCK_NEGATIVE_LISTED_FILINGS", True)
    FEEDBACK_MILESTONE_MONTHS = _int("FEEDBACK_MILESTONE_MONTHS", 3)
    FEEDBACK_WINDOW_DAYS = _int("FEEDBACK_WINDOW_DAYS", 14)
    REDIS_URL = os.environ.get("REDIS_URL", "")

    # Government-services platform adapter. GOV_SECRET is the one name of the shared signing secret
    # (portal.gov.http.HttpGovPlatform.from_settings and `flask gov sandbox` read it); the default is
    # the sandbox's own development secret so GOV_MODE=http works against `flask gov sandbox`.
    GOV_MODE = os.environ.get("GOV_MODE", "fake")  # fake | http
    GOV_BASE_URL = os.environ.get("GOV_BASE_URL", "http://127.0.0.1:5055")
    GOV_APP_ID = os.environ.get("GOV_APP_ID", "portal-dev")
    GOV_SECRET = os.environ.get("GOV_SECRET", "sandbox-secret-not-for-production")
    GOV_SIGN_METHOD = os.environ.get("GOV_SIGN_METHOD", "HMAC-SHA256")
    GOV_CONNECT_TIMEOUT = float(os.environ.get("GOV_CONNECT_TIMEOUT", "2"))
    GOV_READ_TIMEOUT = float(os.environ.get("GOV_READ_TIMEOUT", "5"))
    GOV_RETRIES = _int("GOV_RETRIES", 2)
    # Calls a person waits for (SSO, verification at registration) use a short timeout and no retry.
    GOV_INTERACTIVE_TIMEOUT = float(os.environ.get("GOV_INTERACTIVE_TIMEOUT", "3"))
    GOV_BREAKER_THRESHOLD = _int("GOV_BREAKER_THRESHOLD", 5)
    GOV_BREAKER_RESET_SECONDS = float(os.environ.get("GOV_BREAKER_RESET_SECONDS", "30"))
    # Callbacks: the platform's own app id and secret (default: ours), and the timestamp window.
    GOV_CALLBACK_APP_ID = os.environ.get("GOV_CALLBACK_APP_ID", "")
    GOV_CALLBACK_SECRET = os.environ.get("GOV_CALLBACK_SECRET", "")
    GOV_CALLBACK_WINDOW_SECONDS = _int("GOV_CALLBACK_WINDOW_SECONDS", 300)
    GOV_SSO_STATE_MINUTES = _int("GOV_SSO_STATE_MINUTES", 10)
    # Outbox worker: attempts before a message becomes a dead letter, backoff and claim lease.
    OUTBOX_MAX_ATTEMPTS = _int("OUTBOX_MAX_ATTEMPTS", 10)
    OUTBOX_BACKOFF_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_SECONDS", "5"))
    OUTBOX_BACKOFF_MAX_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_MAX_SECONDS", "3600"))
    OUTBOX_LEASE_SECONDS = float(os.environ.get("OUTBOX_LEASE_SECONDS", "60"))
    OUTBOX_CONCURRENCY = _int("OUTBOX_CONCURRENCY", 4)
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    # Benchmarks only: adds GET /_bench/baseline (one primary-key query, tiny template).
    BENCH_BASELINE = _bool("BENCH_BASELINE", False)


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = _bool("FLASK_DEBUG", False)


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    PASSWORD_HASH_FAST = True
    SERVER_NAME = None


class ProductionConfig(Config):
    ENV_NAME = "production"
    DEBUG = False
    SESSION_COOKIE_SECURE = True
    HSTS = True
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}

    @classmethod
    def check(cls) -> None:
        """Refuse to start without real secrets and a real database."""
        missing = [
            name
            for name in ("SECRET_KEY", "DATABASE_URL", "FIELD_ENCRYPTION_KEY", "AUDIT_HMAC_KEY")
            if not os.environ.get(name)
        ]
        if missing:
            raise RuntimeError("Production needs these environment variables: " + ", ".join(missing))
        if os.environ["DATABASE_URL"].startswith("sqlite"):
            raise RuntimeError("Production must not run on SQLite; set DATABASE_URL to PostgreSQL.")
        if os.environ["SECRET_KEY"] == _DEV_SECRET or os.environ["FIELD_ENCRYPTION_KEY"] == _DEV_FIELD_KEY:
            raise RuntimeError("Production must not use the development keys.")


class BenchConfig(ProductionConfig):
    """Production settings for `make bench` on loopback: real (generated) secrets are still required,
    but plain HTTP and SQLite are allowed because the benchmark measures both databases."""

    ENV_NAME = "bench"
    SESSION_COOKIE_SECURE = False
    HSTS = False

    @classmethod
    def check(cls) -> None:
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL", "FIELD_ENCRYPTION_KEY", "AUDIT_HMAC_KEY")
                   if not os.environ.get(name)]
        if missing:
            raise RuntimeError("The bench configuration needs these environment variables: " + ", ".join(missing))
        if os.environ["SECRET_KEY"] == _DEV_SECRET or os.environ["FIELD_ENCRYPTION_KEY"] == _DEV_FIELD_KEY:
            raise RuntimeError("The bench configuration must not use the development keys.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
    "bench": BenchConfig,
}


def load_config(name: str | None = None) -> type[Config]:
    name = name or os.environ.get("FLASK_CONFIG", "development")
    try:
        cls = CONFIGS[name]
    except KeyError as exc:
        raise RuntimeError(f"Unknown FLASK_CONFIG {name!r}; use one of {sorted(CONFIGS)}") from exc
    if issubclass(cls, ProductionConfig):
        cls.check()
    return cls
