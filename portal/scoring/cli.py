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
@click.option("--before-end", is_flag=True, help="Score a period that has not ended yet (its evidence is incomplete).")
@with_appcontext
def run_command(period_id: int, before_end: bool) -> None:
    """Recompute a draft period's scores (as the system)."""
    from portal.core.errors import ValidationFailed
    from portal.scoring import service as scoring

    token = _as_system()
    try:
        summary = scoring.run_period(period_id, before_end=before_end)
    except ValidationFailed as exc:
        # The operator's terminal has no reader language: the message in English.
        texts = [m[0] % m[1] if isinstance(m, tuple) else m for ms in exc.field_errors.values() for m in ms]
        raise click.ClickException(" ".join(texts) + " Add --before-end to run it anyway.") from None
    finally:
        reset_actor(token)
    click.echo(f"{summary.firms} firms, {summary.rated} rated, {summary.changed} changed, {summary.queries} queries")
