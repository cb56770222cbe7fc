"""`flask outbox run`: the outbox worker process (run several at once on PostgreSQL)."""
from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

outbox_cli = AppGroup("outbox", help="Deliver queued messages to the government platform.")


@outbox_cli.command("run")
@click.option("--once", is_flag=True, help="Exit when no message is due instead of waiting for more.")
@click.option("--batch", default=400, show_default=True, type=click.IntRange(1, 1000),
              help="Messages claimed per round.")
@click.option("--sleep", default=1.0, show_default=True, type=click.FloatRange(0.0),
              help="Seconds to wait when nothing is due.")
@click.option("--concurrency", default=None, type=click.IntRange(1, 64),
              help="Deliveries in flight at once (default OUTBOX_CONCURRENCY).")
@click.option("--quiet", is_flag=True, help="Print only the final totals.")
@with_appcontext
def run_command(once: bool, batch: int, sleep: float, concurrency: int | None, quiet: bool) -> None:
    """Deliver pending outbox messages with retries and backoff; SIGTERM stops after the current batch."""
    from portal.integrations.outbox_worker import OutboxWorker

    stopping = {"flag": False}

    def stop(_signum, _frame) -> None:
        stopping["flag"] = True

    signal.signal(signal.SIGTERM, stop)
    worker = OutboxWorker(current_app._get_current_object(), batch=batch, concurrency=concurrency)
    try:
        stats = worker.run(once=once, sleep=sleep, should_stop=lambda: stopping["flag"],
                           echo=None if quiet else click.echo)
    except KeyboardInterrupt:
        return
    click.echo(f"outbox {worker.worker_id}: delivered {stats.delivered}, retried {stats.retried}, "
               f"deferred {stats.deferred}, dead {stats.dead}")


def register_gov_commands(gov_group: AppGroup) -> None:
    """Portal-side commands of the `flask gov` group (the group itself belongs to portal.gov)."""

    @gov_group.command("verify-pending")
    @click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 10000))
    @with_appcontext
    def verify_pending_command(limit: int) -> None:
        """Retry enterprise verifications left "pending" whose queued message is no longer waiting."""
        from portal.firms.verification import retry_pending

        counts = retry_pending(limit)
        click.echo(f"{counts['checked']} firm(s) checked ({counts['verified']} verified, {counts['failed']} failed), "
                   f"{counts['queued']} queued again")
