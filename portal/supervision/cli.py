"""`flask alerts scan`: raise and close alerts (idempotent; safe from cron every few minutes)."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

alerts_cli = AppGroup("alerts", help="Supervision alerts.")


@alerts_cli.command("scan")
@with_appcontext
def scan_command() -> None:
    """Run every alert rule once."""
    from portal.supervision import alerts

    report = alerts.scan()
    click.echo(f"alerts raised: {report.total_raised}, closed: {report.total_closed}, "
               f"workflow transitions: {report.transitions}")
    for rule in alerts.RULES:
        if report.raised.get(rule) or report.closed.get(rule):
            click.echo(f"  {rule}: +{report.raised.get(rule, 0)} -{report.closed.get(rule, 0)}")
