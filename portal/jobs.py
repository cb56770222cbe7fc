"""Scheduled jobs, each idempotent: what production runs from systemd timers (config/systemd/) and
`make run` runs from one in-process loop (`flask jobs run`)."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import current_app


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    command: tuple[str, ...]  # the `flask --app wsgi ...` command production schedules


# Kept in step with config/systemd/*.timer by tests/core/test_jobs.py.
JOBS: tuple[Job, ...] = (
    Job("alerts-scan", 5 * 60, ("alerts", "scan")),
    Job("audit-flush-counts", 10 * 60, ("audit", "flush-counts")),
    Job("audit-anchor", 3600, ("audit", "anchor")),
    Job("backup-create", 24 * 3600, ("backup", "create")),
    Job("gov-verify-pending", 15 * 60, ("gov", "verify-pending")),
    Job("attachments-purge-orphans", 24 * 3600, ("attachments", "purge-orphans")),
    Job("feedback-remind", 24 * 3600, ("feedback", "remind")),
    Job("followups-remind", 24 * 3600, ("followups", "remind")),
    Job("notices-remind", 24 * 3600, ("notices", "remind")),
    Job("scoring-finalise-due", 24 * 3600, ("scoring", "finalise-due")),
    Job("scoring-lift-expired", 24 * 3600, ("scoring", "lift-expired")),
    Job("sitechecks-remind", 24 * 3600, ("sitechecks", "remind")),
)


def run_job(job: Job, echo: Callable[[str], None]) -> bool:
    """Run the job's own CLI command in this process; a failure is reported, never fatal to the loop."""
    from portal.extensions import db

    command: click.Command = current_app.cli
    for name in job.command:
        command = command.get_command(click.Context(command), name)
    try:
        with click.Context(command, info_name=job.name) as ctx:
            ctx.invoke(command)
        return True
    except (click.exceptions.Exit, SystemExit) as exc:  # a command that ends with an exit code (audit verify)
        code = getattr(exc, "exit_code", getattr(exc, "code", 1))
        if code in (0, None):
            return True
        echo(f"job {job.name} failed: exit code {code}")
        db.session.rollback()
        return False
    except Exception as exc:  # noqa: BLE001 - one job's failure must not stop the others
        echo(f"job {job.name} failed: {type(exc).__name__}: {exc}")
        db.session.rollback()
        return False
    finally:
        db.session.remove()


def run_loop(*, once: bool = False, should_stop: Callable[[], bool] = lambda: False,
             clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
             echo: Callable[[str], None] = click.echo) -> dict[str, int]:
    """Run every job now, then each again when its interval has passed; returns runs per job."""
    runs = {job.name: 0 for job in JOBS}
    due = {job.name: clock() for job in JOBS}
    while not should_stop():
        now = clock()
        for job in JOBS:
            if now >= due[job.name]:
                run_job(job, echo)
                runs[job.name] += 1
                due[job.name] = now + job.every_seconds
        if once:
            break
        sleep(min(max(min(due.values()) - clock(), 0.5), 5.0))
    return runs
