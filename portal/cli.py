"""Command-line entry points (`flask --app wsgi <command>`); each area adds its group in `init_app`."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from portal.extensions import db

audit_cli = AppGroup("audit", help="Audit log tools.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when the database has no accounts yet.")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Create the demo organisations, accounts and records (never in production)."""
    from portal.seed import database_is_empty, seed_demo

    if current_app.config.get("ENV_NAME") == "production":
        click.echo("seed-demo is refused in production.", err=True)
        sys.exit(2)
    if if_empty and not database_is_empty():
        click.echo("database already has data; demo seed skipped")
        return
    seed_demo(echo=click.echo)


@audit_cli.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check the whole audit chain; exit 1 at the first edited, deleted or inserted row."""
    from portal.services import audit

    report = audit.verify()
    if report.ok:
        click.echo(f"audit chain intact: {report.rows} rows")
        return
    click.echo(f"audit chain BROKEN at seq {report.first_bad_seq}: row {report.problem}", err=True)
    sys.exit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(audit_cli)
    from portal.api.cli import api_token_cli
    from portal.gov.cli import gov
    from portal.integrations.cli import outbox_cli

    app.cli.add_command(gov)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(api_token_cli)
    app.shell_context_processor(lambda: {"db": db})
