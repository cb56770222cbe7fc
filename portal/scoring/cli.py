"""`flask scoring ...`: scheduled jobs of the scoring area (idempotent, safe to run from cron)."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from portal.core.context import Actor, reset_actor, set_actor

scoring_cli = AppGroup("scoring", help="Scoring periods and result application.")


def _as_system():
    return set_actor(Actor(username="scoring-job"))


@scoring_cli.command("finalise-due")
@with_appcontext
def finalise_due_command() -> None:
    """Finalise and apply every published period whose objection window has passed."""
    from portal.scoring import service as scoring

    token = _as_system()
    try:
        done = scoring.finalise_due()
    finally:
        reset_actor(token)
    click.echo(f"finalised and applied: {', '.join(done)}" if done else "no period is due")


@scoring_cli.command("lift-expired")
@with_appcontext
def lift_expired_command() -> None:
    """Reinstate negative-listed firms whose end date has passed."""
    from portal.scoring import service as scoring

    token = _as_system()
    try:
        lifted = scoring.lift_expired()
    finally:
        reset_actor(token)
    click.echo(f"reinstated {len(lifted)} firm(s)")


@scoring_cli.command("run")
@click.argument("period_id", type=int)
@with_appcontext
def run_command(period_id: int) -> None:
    """Recompute a draft period's scores (as the system)."""
    from portal.scoring import service as scoring

    token = _as_system()
    try:
        summary = scoring.run_period(period_id)
    finally:
        reset_actor(token)
    click.echo(f"{summary.firms} firms, {summary.rated} rated, {summary.changed} changed, {summary.queries} queries")
