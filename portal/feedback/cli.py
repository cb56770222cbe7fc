"""`flask feedback remind`: remind agencies (and regulators) of completion feedback that is overdue."""
from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup, with_appcontext

feedback_cli = AppGroup("feedback", help="Agency feedback tools.")


@feedback_cli.command("remind")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as of this date (default: today, China time).")
@with_appcontext
def remind(today) -> None:
    """Send one reminder per accepted project without completion feedback after the window."""
    from portal.core.context import Actor, reset_actor, set_actor
    from portal.feedback.service import send_missing_feedback_reminders

    token = set_actor(Actor(username="feedback-remind"))
    try:
        day: date | None = today.date() if today else None
        sent = send_missing_feedback_reminders(day)
    finally:
        reset_actor(token)
    click.echo(f"feedback reminders sent: {sent}")
