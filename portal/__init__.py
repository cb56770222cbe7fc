"""Archive Outsourcing Supervision Portal: the application factory reads like a table of contents."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None, config_name: str | None = None) -> Flask:
    from config import load_config

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    if test_config is not None and config_name is None:
        config_name = "testing"
    app.config.from_object(load_config(config_name))
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Client addresses in the audit log come from the proxy's headers, but only from trusted hops.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from portal.core import audit, crypto, db_setup
    from portal.core import cache as aggregates
    from portal.extensions import csrf, db, login_manager, migrate
    from portal.web import i18n, throttle

    db.init_app(app)
    db_setup.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    crypto.init_app(app)
    audit.init_app(app)
    aggregates.init_app(app)
    throttle.init_app(app)
    from portal import models  # noqa: F401  (registers the tables)
    from portal.auth import sessions

    sessions.init_app(app)


def register_blueprints(app: Flask) -> None:
    from portal.web import params
    from portal.web.blueprints import BLUEPRINTS

    params.init_app(app)
    for bp in BLUEPRINTS():
        app.register_blueprint(bp)
    if app.config.get("BENCH_BASELINE"):
        from portal.perf import bp as perf_bp

        app.register_blueprint(perf_bp)


def register_request_hooks(app: Flask) -> None:
    from portal.web import context as web_context
    from portal.web import origin, params, permissions, security_headers, templating

    templating.init_app(app)
    web_context.init_app(app)
    params.init_request_hooks(app)  # after the request id is set: the 400 page shows it
    origin.init_app(app)
    permissions.init_app(app)
    security_headers.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    from portal.web import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from portal import cli

    cli.init_app(app)
