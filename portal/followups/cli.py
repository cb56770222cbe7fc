"""`flask followups remind`: remind firms of bad-rating follow-ups near or past their deadline."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

followups_cli = AppGroup("followups", help="Bad-rating follow-up tools.")


@followups_cli.command("remind")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as of this date (default: today, China time).")
@with_appcontext
def remind(today) -> None:
    """One reminder when the deadline is near and one when it has passed, per follow-up."""
    from portal.core.context import Actor, reset_actor, set_actor
    from portal.followups.service import send_reminders

    token = set_actor(Actor(username="followups-remind", roles=("system",)))
    try:
        sent = send_reminders(today.date() if today else None)
    finally:
        reset_actor(token)
    click.echo(f"follow-up reminders sent: {sent}")
