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


@click.command("seed-scale")
@click.option("--firms", default=600, show_default=True, help="Firms in the database (demo ones count).")
@click.option("--agencies", default=3000, show_default=True)
@click.option("--projects", default=100_000, show_default=True, help="Project filings, in every state.")
@click.option("--feedback", default=1_000_000, show_default=True, help="Agency feedback rows.")
@click.option("--inspection-items", default=300_000, show_default=True, help="Inspection checklist results.")
@click.option("--audit-rows", default=0, show_default=True, help="Extra HMAC-chained audit rows.")
@click.option("--staff-per-firm", default=10, show_default=True)
@click.option("--seed", "seed_value", default=20261126, show_default=True, help="Random seed (deterministic data).")
@click.option("--no-progress", is_flag=True, help="Print one line per step instead of progress bars.")
@with_appcontext
def seed_scale_command(firms: int, agencies: int, projects: int, feedback: int, inspection_items: int,
                       audit_rows: int, staff_per_firm: int, seed_value: int, no_progress: bool) -> None:
    """Add province-scale data (benchmarks); demo accounts are created first when missing."""
    from portal.seed.scale import ScaleSizes, seed_scale

    if current_app.config.get("ENV_NAME") == "production":
        click.echo("seed-scale is refused in production.", err=True)
        sys.exit(2)
    sizes = ScaleSizes(firms=firms, agencies=agencies, projects=projects, feedback=feedback,
                       inspection_items=inspection_items, audit_rows=audit_rows,
                       staff_per_firm=staff_per_firm, seed=seed_value)
    report = seed_scale(sizes, echo=click.echo, progress=not no_progress)
    click.echo("scale data ready:" if not report.skipped else "scale data unchanged:")
    for line in report.lines():
        click.echo(line)


@audit_cli.command("verify")
@click.option("--no-anchor", is_flag=True, help="Only check; do not anchor the verified head.")
@with_appcontext
def audit_verify(no_anchor: bool) -> None:
    """Check the chain and its anchors; exit 1 when rows were edited, deleted, inserted or cut off.

    An intact chain's head is then anchored (AUDIT_ANCHOR_DIR and the government platform)."""
    from portal.core import audit, audit_anchor

    report = audit.verify()
    if not report.ok:
        click.echo(f"audit chain BROKEN at seq {report.first_bad_seq}: row {report.problem}", err=True)
        sys.exit(1)
    anchors = audit_anchor.check()
    if not anchors.ok:
        click.echo(f"audit chain BROKEN: {anchors.problem}", err=True)
        sys.exit(1)
    click.echo(f"audit chain intact: {report.rows} rows; {anchors.anchors} anchor(s) in "
               f"{audit_anchor.anchor_path()} agree")
    if not no_anchor:
        try:
            _echo_anchor(audit_anchor.anchor_head(verified=report))
        except audit_anchor.AnchorError as exc:
            click.echo(f"audit chain BROKEN: {exc}", err=True)
            sys.exit(1)


@audit_cli.command("anchor")
@with_appcontext
def audit_anchor_command() -> None:
    """Anchor the chain's head outside the database (run from cron); exit 1 if the chain does not
    continue the last anchor."""
    from portal.core import audit_anchor

    try:
        result = audit_anchor.anchor_head()
    except audit_anchor.AnchorError as exc:
        click.echo(f"audit chain BROKEN: {exc}", err=True)
        sys.exit(1)
    _echo_anchor(result)


def _echo_anchor(result) -> None:
    anchor = result.anchor
    if result.written:
        click.echo(f"anchored seq {anchor.seq} ({anchor.hash[:16]}…) as line {anchor.n}; "
                   "queued for the government platform")
    else:
        click.echo(f"head unchanged since anchor line {anchor.n} (seq {anchor.seq})")


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_scale_command)
    app.cli.add_command(audit_cli)
    from portal.supervision.cli import alerts_cli

    app.cli.add_command(alerts_cli)

    from portal.api.cli import api_token_cli
    from portal.gov.cli import gov
    from portal.integrations.cli import outbox_cli

    app.cli.add_command(gov)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(api_token_cli)
    from portal.feedback.cli import feedback_cli

    app.cli.add_command(feedback_cli)
    from portal.scoring.cli import scoring_cli

    app.cli.add_command(scoring_cli)
    app.shell_context_processor(lambda: {"db": db})
