"""Settings classes; every value can come from the environment, read when the app is created.

`load_config(name)` picks a class by FLASK_CONFIG (development, testing, production) and applies the
environment at that moment, so nothing is read at import and Production checks what it will really use.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# Development-only keys: never valid in Production (Production refuses to start without its own).
_DEV_SECRET = "dev-only-secret-key-not-for-production"
_DEV_FIELD_KEY = "ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="  # base64 of 32 bytes
_DEV_AUDIT_KEY = "dev-only-audit-chain-key"


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Setting name → (environment variable, parser). Settings not listed are fixed in the classes.
ENVIRONMENT: dict[str, tuple[str, Callable[[str], object]]] = {
    "SECRET_KEY": ("SECRET_KEY", str),
    "FIELD_ENCRYPTION_KEY": ("FIELD_ENCRYPTION_KEY", str),
    "AUDIT_HMAC_KEY": ("AUDIT_HMAC_KEY", str),
    "SQLALCHEMY_DATABASE_URI": ("DATABASE_URL", str),
    "UPLOAD_DIR": ("UPLOAD_DIR", str),
    "UPLOAD_MAX_MB": ("UPLOAD_MAX_MB", int),
    "AUDIT_ANCHOR_DIR": ("AUDIT_ANCHOR_DIR", str),
    "BACKUP_DIR": ("BACKUP_DIR", str),
    "BACKUP_OFFSITE_DIR": ("BACKUP_OFFSITE_DIR", str),
    "UPLOAD_MAX_UNZIPPED_MB": ("UPLOAD_MAX_UNZIPPED_MB", int),
    "UPLOAD_MAX_ZIP_ENTRIES": ("UPLOAD_MAX_ZIP_ENTRIES", int),
    "UPLOAD_MAX_PIXELS": ("UPLOAD_MAX_PIXELS", int),
    "CLAMD_SOCKET": ("CLAMD_SOCKET", str),
    "SESSION_IDLE_MINUTES": ("SESSION_IDLE_MINUTES", int),
    "SESSION_ABSOLUTE_HOURS": ("SESSION_ABSOLUTE_HOURS", int),
    "LOGIN_MAX_FAILURES": ("LOGIN_MAX_FAILURES", int),
    "LOGIN_LOCK_MINUTES": ("LOGIN_LOCK_MINUTES", int),
    "MFA_REQUIRED": ("MFA_REQUIRED", _bool),
    "PASSWORD_MAX_AGE_DAYS": ("PASSWORD_MAX_AGE_DAYS", int),
    "MAX_SESSIONS_PER_USER": ("MAX_SESSIONS_PER_USER", int),
    "MAX_SESSIONS_PER_ADMIN": ("MAX_SESSIONS_PER_ADMIN", int),
    "PAGE_SIZE": ("PAGE_SIZE", int),
    "AGGREGATE_CACHE_SECONDS": ("AGGREGATE_CACHE_SECONDS", int),
    "BLOCK_NEGATIVE_LISTED_FILINGS": ("BLOCK_NEGATIVE_LISTED_FILINGS", _bool),
    "FIRM_REGISTRATION_VALID_DAYS": ("FIRM_REGISTRATION_VALID_DAYS", int),
    "FEEDBACK_MILESTONE_MONTHS": ("FEEDBACK_MILESTONE_MONTHS", int),
    "FEEDBACK_WINDOW_DAYS": ("FEEDBACK_WINDOW_DAYS", int),
    "SITE_PATROL_DAYS": ("SITE_PATROL_DAYS", str),
    "SITE_PATROL_SINCE": ("SITE_PATROL_SINCE", str),

    "FOLLOWUP_WORKDAYS": ("FOLLOWUP_WORKDAYS", int),
    "NOTICE_REMINDER_WORKDAYS": ("NOTICE_REMINDER_WORKDAYS", int),

    "ACCEPTANCE_MIN_SAMPLED_PERCENT": ("ACCEPTANCE_MIN_SAMPLED_PERCENT", int),
    "ACCEPTANCE_MIN_PASS_RATE": ("ACCEPTANCE_MIN_PASS_RATE", int),
    "REDIS_URL": ("REDIS_URL", str),
    "DOCUMENT_NUMBER_FORMAT": ("DOCUMENT_NUMBER_FORMAT", str),
    "DOCUMENT_NUMBER_PREFIX": ("DOCUMENT_NUMBER_PREFIX", str),
    "DOCUMENT_NUMBER_PREFIXES": ("DOCUMENT_NUMBER_PREFIXES", str),
    "ISSUING_OFFICE": ("ISSUING_OFFICE", str),
    "RATELIMIT_LOGIN_PER_ADDRESS": ("RATELIMIT_LOGIN_PER_ADDRESS", str),
    "RATELIMIT_LOGIN_PER_USERNAME": ("RATELIMIT_LOGIN_PER_USERNAME", str),
    "RATELIMIT_PUBLIC_APPLICATION": ("RATELIMIT_PUBLIC_APPLICATION", str),
    "RATELIMIT_PUBLIC_STATUS": ("RATELIMIT_PUBLIC_STATUS", str),
    "RATELIMIT_RECEIPT_VERIFY": ("RATELIMIT_RECEIPT_VERIFY", str),
    "RATELIMIT_GOV_CALLBACK": ("RATELIMIT_GOV_CALLBACK", str),
    "RATELIMIT_API_PER_TOKEN": ("RATELIMIT_API_PER_TOKEN", str),
    "GOV_MODE": ("GOV_MODE", str),
    "GOV_BASE_URL": ("GOV_BASE_URL", str),
    "GOV_APP_ID": ("GOV_APP_ID", str),
    "GOV_SECRET": ("GOV_SECRET", str),
    "GOV_CONNECT_TIMEOUT": ("GOV_CONNECT_TIMEOUT", float),
    "GOV_READ_TIMEOUT": ("GOV_READ_TIMEOUT", float),
    "GOV_RETRIES": ("GOV_RETRIES", int),
    "GOV_INTERACTIVE_TIMEOUT": ("GOV_INTERACTIVE_TIMEOUT", float),
    "GOV_BREAKER_THRESHOLD": ("GOV_BREAKER_THRESHOLD", int),
    "GOV_BREAKER_RESET_SECONDS": ("GOV_BREAKER_RESET_SECONDS", float),
    "GOV_BREAKER_FILE": ("GOV_BREAKER_FILE", str),
    "SECURITY_EVENT_WINDOW_SECONDS": ("SECURITY_EVENT_WINDOW_SECONDS", int),
    "ATTACHMENT_ORPHAN_GRACE_DAYS": ("ATTACHMENT_ORPHAN_GRACE_DAYS", int),
    "BACKUP_KEEP": ("BACKUP_KEEP", int),
    "GOV_CALLBACK_APP_ID": ("GOV_CALLBACK_APP_ID", str),
    "GOV_CALLBACK_SECRET": ("GOV_CALLBACK_SECRET", str),
    "GOV_CALLBACK_WINDOW_SECONDS": ("GOV_CALLBACK_WINDOW_SECONDS", int),
    "GOV_SSO_STATE_MINUTES": ("GOV_SSO_STATE_MINUTES", int),
    "OUTBOX_MAX_ATTEMPTS": ("OUTBOX_MAX_ATTEMPTS", int),
    "OUTBOX_BACKOFF_SECONDS": ("OUTBOX_BACKOFF_SECONDS", float),
    "OUTBOX_BACKOFF_MAX_SECONDS": ("OUTBOX_BACKOFF_MAX_SECONDS", float),
    "OUTBOX_LEASE_SECONDS": ("OUTBOX_LEASE_SECONDS", float),
    "OUTBOX_CONCURRENCY": ("OUTBOX_CONCURRENCY", int),
    "GOV_SIGN_METHOD": ("GOV_SIGN_METHOD", str),
    "PUBLIC_BASE_URL": ("PUBLIC_BASE_URL", str),
    "TRUSTED_PROXIES": ("TRUSTED_PROXIES", int),
    "BENCH_BASELINE": ("BENCH_BASELINE", _bool),
    "DEBUG": ("FLASK_DEBUG", _bool),
}
REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "DATABASE_URL", "FIELD_ENCRYPTION_KEY", "AUDIT_HMAC_KEY")


class Config:
    """Defaults shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = _DEV_SECRET
    FIELD_ENCRYPTION_KEY = _DEV_FIELD_KEY
    AUDIT_HMAC_KEY = _DEV_AUDIT_KEY
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{BASE_DIR / 'instance' / 'portal.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    # Uploads: outside the web root; size limit answered with a 413 page.
    UPLOAD_DIR = str(BASE_DIR / "var" / "uploads")
    UPLOAD_MAX_MB = 20
    # Office files (zip packages) are refused when their directory promises more than this unpacked or
    # more entries; images with more pixels than this are refused before decoding.
    UPLOAD_MAX_UNZIPPED_MB = 100
    UPLOAD_MAX_ZIP_ENTRIES = 2000
    UPLOAD_MAX_PIXELS = 40_000_000
    # ClamAV daemon's UNIX socket (e.g. /run/clamav/clamd.ctl); every upload is scanned when set.
    CLAMD_SOCKET: str | None = None

    # Audit-chain anchors: an append-only, signed file outside the database (put it on other storage).
    AUDIT_ANCHOR_DIR = str(BASE_DIR / "var" / "audit-anchors")
    # Snapshots of database and uploads (`flask backup create`); the off-site copy is optional.
    BACKUP_DIR = str(BASE_DIR / "var" / "backups")
    BACKUP_OFFSITE_DIR = ""
    BACKUP_KEEP = 14  # snapshots kept by `backup create` (the daily job)
    ATTACHMENT_ORPHAN_GRACE_DAYS = 30  # stored files no row references are purged after this
    SECURITY_EVENT_WINDOW_SECONDS = 3600  # repeats of one security event within it share one counter

    # Sessions and login policy.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "portal_session"
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 30
    # Rate limits ("N per minute/hour", several joined by ";"), spent by failed logins only.
    RATELIMIT_LOGIN_PER_ADDRESS = "20 per 5 minutes; 100 per hour"
    RATELIMIT_LOGIN_PER_USERNAME = "10 per 15 minutes"
    # Per client address: public firm applications and status look-ups, receipt checks, platform callbacks.
    RATELIMIT_PUBLIC_APPLICATION = "10 per hour"
    RATELIMIT_PUBLIC_STATUS = "30 per 5 minutes"
    RATELIMIT_RECEIPT_VERIFY = "60 per 5 minutes"
    RATELIMIT_GOV_CALLBACK = "600 per minute"
    RATELIMIT_API_PER_TOKEN = "120 per minute"  # the JSON API, per bearer token
    PASSWORD_HASH_FAST = False
    # 等保三级: a second factor for regulators, the lead and the three administrators (off in development
    # and tests so the demo logins keep working); password expiry in days (0 = never); live sessions
    # per account, the oldest ended at a new login.
    MFA_REQUIRED = False
    PASSWORD_MAX_AGE_DAYS = 0
    MAX_SESSIONS_PER_USER = 3
    MAX_SESSIONS_PER_ADMIN = 1

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # tied to the server-side session instead

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")

    PAGE_SIZE = 20
    # Longest a cached count or summary is served (it is dropped at once when its tables change).
    AGGREGATE_CACHE_SECONDS = 300
    HSTS = False
    # Reverse proxies in front of the portal whose X-Forwarded-For/-Proto are trusted (0 = none).
    TRUSTED_PROXIES = 0
    DEBUG = False

    # Local rules (the bureau's own choices; the database may override them, see services.rules).
    BLOCK_NEGATIVE_LISTED_FILINGS = True
    FIRM_REGISTRATION_VALID_DAYS = 365
    FEEDBACK_MILESTONE_MONTHS = 3
    FEEDBACK_WINDOW_DAYS = 14
    # Site security checks: a patrol is due on "workdays" (official calendar) or "all" days, from
    # SITE_PATROL_SINCE (YYYY-MM-DD; empty = not required yet, so old projects raise no gaps).
    SITE_PATROL_DAYS = "workdays"
    SITE_PATROL_SINCE = ""

    FOLLOWUP_WORKDAYS = 15
    NOTICE_REMINDER_WORKDAYS = 2

    # Acceptance practice: sample at least this percent of the delivered units; below this pass rate fails.
    ACCEPTANCE_MIN_SAMPLED_PERCENT = 5
    ACCEPTANCE_MIN_PASS_RATE = 95
    REDIS_URL = ""

    # Official documents (文书): the number scheme ({prefix}, {year}, {seq}), the prefix of each kind
    # ("kind=prefix" pairs joined by ","; kinds: receipt, inspection, rectification, summons,
    # negative_list, objection; others use DOCUMENT_NUMBER_PREFIX), and the issuing office printed on
    # them (empty = the bureau's name in the reader's language).
    DOCUMENT_NUMBER_FORMAT = "{prefix}〔{year}〕{seq}号"
    DOCUMENT_NUMBER_PREFIX = "泸档外监"
    DOCUMENT_NUMBER_PREFIXES = ("receipt=泸档外备,inspection=泸档外检,rectification=泸档外改,summons=泸档外谈,"
                                "negative_list=泸档外负,objection=泸档外复")
    ISSUING_OFFICE = ""

    # Government-services platform adapter. GOV_SECRET is the one name of the shared signing secret
    # (portal.gov.http.HttpGovPlatform.from_settings and `flask gov sandbox` read it); the default is
    # the sandbox's own development secret so GOV_MODE=http works against `flask gov sandbox`.
    GOV_MODE = "fake"  # fake | http
    GOV_BASE_URL = "http://127.0.0.1:5055"
    GOV_APP_ID = "portal-dev"
    GOV_SECRET = "sandbox-secret-not-for-production"
    GOV_SIGN_METHOD = "HMAC-SHA256"
    GOV_CONNECT_TIMEOUT = 2.0
    GOV_READ_TIMEOUT = 5.0
    GOV_RETRIES = 2
    # Calls a person waits for (SSO, verification at registration) use a short timeout and no retry.
    GOV_INTERACTIVE_TIMEOUT = 3.0
    GOV_BREAKER_THRESHOLD = 5
    GOV_BREAKER_RESET_SECONDS = 30.0
    # Where the breaker's state lives without Redis on SQLite (default: instance/gov-breaker.json);
    # set it on PostgreSQL too to keep the state off the database.
    GOV_BREAKER_FILE = ""
    # Callbacks: the platform's own app id and secret (default: ours), and the timestamp window.
    GOV_CALLBACK_APP_ID = ""
    GOV_CALLBACK_SECRET = ""
    GOV_CALLBACK_WINDOW_SECONDS = 300
    GOV_SSO_STATE_MINUTES = 10
    # Outbox worker: attempts before a message becomes a dead letter, backoff and claim lease.
    OUTBOX_MAX_ATTEMPTS = 10
    OUTBOX_BACKOFF_SECONDS = 5.0
    OUTBOX_BACKOFF_MAX_SECONDS = 3600.0
    OUTBOX_LEASE_SECONDS = 60.0
    OUTBOX_CONCURRENCY = 4
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"

    # Benchmarks only: adds GET /_bench/baseline (one primary-key query, tiny template).
    BENCH_BASELINE = False


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    PASSWORD_HASH_FAST = True
    SERVER_NAME = None


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    HSTS = True
    MFA_REQUIRED = True
    PASSWORD_MAX_AGE_DAYS = 90
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}

    @classmethod
    def check(cls, environ=None) -> None:
        """Refuse to start without real secrets and a real database."""
        environ = os.environ if environ is None else environ
        missing = [name for name in REQUIRED_IN_PRODUCTION if not environ.get(name)]
        if missing:
            raise RuntimeError("Production needs these environment variables: " + ", ".join(missing))
        if environ["DATABASE_URL"].startswith("sqlite"):
            raise RuntimeError("Production must not run on SQLite; set DATABASE_URL to PostgreSQL.")
        if (environ["SECRET_KEY"] == _DEV_SECRET or environ["FIELD_ENCRYPTION_KEY"] == _DEV_FIELD_KEY
                or environ["AUDIT_HMAC_KEY"] == _DEV_AUDIT_KEY):
            raise RuntimeError("Production must not use the development keys.")
        if _debug_on(environ):
            raise RuntimeError("Production must not run with FLASK_DEBUG on.")


def _debug_on(environ) -> bool:
    value = environ.get("FLASK_DEBUG")
    return bool(value) and _bool(value)


class BenchConfig(ProductionConfig):
    """Production settings for `make bench` on loopback: real (generated) secrets are still required,
    but plain HTTP and SQLite are allowed because the benchmark measures both databases."""

    ENV_NAME = "bench"
    SESSION_COOKIE_SECURE = False
    HSTS = False
    # The benchmark logs the demo regulator, lead and administrators in with their password alone.
    MFA_REQUIRED = False
    # It measures what a page costs with 16 connections from one address and one API token, which the
    # rate limits would (rightly) turn into 429s; limits are off for the benchmark only.
    RATELIMIT_ENABLED = False

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


def from_environment(base: type[Config], environ=None) -> type[Config]:
    """A subclass of `base` carrying the values the environment sets now."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for setting, (variable, parse) in ENVIRONMENT.items():
        if base is TestingConfig and variable == "DATABASE_URL":
            continue  # tests never touch the configured (possibly real) database
        raw = environ.get(variable)
        if raw not in (None, ""):
            values[setting] = parse(raw)
    if base is TestingConfig and environ.get("TEST_DATABASE_URL"):
        values["SQLALCHEMY_DATABASE_URI"] = environ["TEST_DATABASE_URL"]
    upload_mb = values.get("UPLOAD_MAX_MB", base.UPLOAD_MAX_MB)
    values["MAX_CONTENT_LENGTH"] = (int(upload_mb) + 1) * 1024 * 1024
    return type(base.__name__, (base,), values)


def load_config(name: str | None = None) -> type[Config]:
    name = name or os.environ.get("FLASK_CONFIG", "development")
    try:
        cls = CONFIGS[name]
    except KeyError as exc:
        raise RuntimeError(f"Unknown FLASK_CONFIG {name!r}; use one of {sorted(CONFIGS)}") from exc
    if issubclass(cls, ProductionConfig):
        cls.check()
    return from_environment(cls)
