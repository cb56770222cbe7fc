"""`flask sitechecks remind`: tell the firm's users of every in-progress site that has no patrol for today
(run daily in the afternoon; idempotent per site and day through the inbox dedupe key)."""
from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup, with_appcontext

sitechecks_cli = AppGroup("sitechecks", help="Site security check tools.")


def send_patrol_reminders(today: date | None = None) -> int:
    """One inbox message per site owing today's patrol, to its firm's users; returns the sites reminded."""
    from portal.core import audit, clock, inbox, transactions
    from portal.core.msgids import N_
    from portal.sitechecks.queries import sites_without_patrol_today

    today = today or clock.today()
    sites = sites_without_patrol_today(today)
    for filing_id, firm_id, number in sites:
        inbox.notify(inbox.users_of_firm(firm_id),
                     N_("Record today's site patrol of project %(number)s (%(date)s)"),
                     {"number": number, "date": today.isoformat()}, link=f"/sitechecks/filings/{filing_id}/patrol",
                     dedupe=f"site_patrol_remind:{filing_id}:{today.isoformat()}")
    audit.record("sitechecks.remind", "site_patrol", None, detail={"date": today.isoformat(), "sites": len(sites)})
    transactions.commit()
    return len(sites)


@sitechecks_cli.command("remind")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as of this date (default: today, China time).")
@with_appcontext
def remind(today) -> None:
    """Remind firms of today's site patrols not yet recorded."""
    from portal.core.context import Actor, reset_actor, set_actor

    token = set_actor(Actor(username="sitechecks-remind"))
    try:
        sent = send_patrol_reminders(today.date() if today else None)
    finally:
        reset_actor(token)
    click.echo(f"site patrol reminders sent: {sent}")
