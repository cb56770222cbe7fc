"""`flask alerts scan`: raise and close alerts (idempotent; safe from cron every few minutes);
`flask notices remind`: remind recipients of notices near or past their acknowledgement deadline."""
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


notices_cli = AppGroup("notices", help="Notices (通知公告).")


@notices_cli.command("remind")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as of this date (default: today, China time).")
@with_appcontext
def notices_remind_command(today) -> None:
    """Remind recipients who have not acknowledged: before the deadline and once it has passed."""
    from portal.core.context import Actor, reset_actor, set_actor
    from portal.supervision.notices import send_due_reminders

    token = set_actor(Actor(username="notices-remind", roles=("system",)))
    try:
        sent = send_due_reminders(today.date() if today else None)
    finally:
        reset_actor(token)
    click.echo(f"notice reminders sent: {sent}")
