"""Command-line entry points (`flask --app wsgi <command>`); each area adds its group in `init_app`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from portal.extensions import db

audit_cli = AppGroup("audit", help="Audit log tools.")
attachments_cli = AppGroup("attachments", help="Stored upload files.")
backup_cli = AppGroup("backup", help="Snapshots of the database and the upload store (数据备份恢复).")


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
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 16),
              help="Processes checking ranges of a long chain at once.")
@with_appcontext
def audit_verify(no_anchor: bool, workers: int) -> None:
    """Check the chain and its anchors; exit 1 when rows were edited, deleted, inserted or cut off.

    An intact chain's head is then anchored (AUDIT_ANCHOR_DIR and the government platform)."""
    from portal.core import audit_anchor

    report = audit_anchor.verify_chain(workers=workers)
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


@audit_cli.command("flush-counts")
@with_appcontext
def audit_flush_counts() -> None:
    """Write one audit row per repeated security event (unknown user, bad signature) counted since the
    last flush (run from a timer)."""
    from portal.core import audit_counts

    click.echo(f"{audit_counts.flush()} repeated security event(s) summarised in the audit log")


def _echo_anchor(result) -> None:
    anchor = result.anchor
    if result.written:
        click.echo(f"anchored seq {anchor.seq} ({anchor.hash[:16]}…) as line {anchor.n}; "
                   "queued for the government platform")
    else:
        click.echo(f"head unchanged since anchor line {anchor.n} (seq {anchor.seq})")


@attachments_cli.command("purge-orphans")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
@with_appcontext
def attachments_purge_orphans(dry_run: bool) -> None:
    """Remove stored files no row references (replaced certificate scans, rolled-back uploads) older than
    ATTACHMENT_ORPHAN_GRACE_DAYS; audited."""
    from portal.core import attachment_retention

    result = attachment_retention.purge(dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {len(result.files)} orphaned file(s) ({len(result.rows)} unreferenced row(s), "
               f"{result.bytes} bytes) older than {attachment_retention.grace_days()} days")


@backup_cli.command("create")
@click.option("--keep", type=click.IntRange(min=0), default=None,
              help="Keep only the newest N snapshots (here and off-site); older ones are deleted. "
                   "Default BACKUP_KEEP (14); 0 keeps all.")
@with_appcontext
def backup_create(keep: int | None) -> None:
    """Snapshot the database and uploads into BACKUP_DIR (and copy to BACKUP_OFFSITE_DIR when set)."""
    from portal.core import backup

    if keep is None:  # the daily job runs without options: retention comes from the settings
        keep = int(current_app.config.get("BACKUP_KEEP", 14) or 0)

    try:
        created = backup.create(keep=keep)
    except backup.BackupError as exc:
        click.echo(f"backup FAILED: {exc}", err=True)
        sys.exit(1)
    manifest = created.manifest
    click.echo(f"snapshot {created.path}: {sum(manifest['tables'].values())} rows in {len(manifest['tables'])} "
               f"tables, {manifest['attachments']} attachment files, {len(manifest['files'])} files hashed")
    for problem in manifest["upload_problems"]:
        click.echo(f"WARNING: {problem}", err=True)
    if created.offsite:
        click.echo(f"off-site copy {created.offsite} verified")
    for path in created.pruned:
        click.echo(f"pruned {path}")


@backup_cli.command("verify")
@click.argument("snapshot", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def backup_verify(snapshot: Path) -> None:
    """Check a snapshot's signed manifest and every file's SHA-256; exit 1 on any difference."""
    from portal.core import backup

    problems = backup.verify(snapshot)
    if problems:
        for problem in problems:
            click.echo(f"snapshot BROKEN: {problem}", err=True)
        sys.exit(1)
    click.echo(f"snapshot intact: {len(backup.read_manifest(snapshot)['files'])} files match the manifest")


@backup_cli.command("restore")
@click.argument("snapshot", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite a database or upload folder that is not empty.")
@with_appcontext
def backup_restore(snapshot: Path, force: bool) -> None:
    """Rebuild an empty instance (database and UPLOAD_DIR) from a snapshot, checking every hash first."""
    from portal.core import audit, audit_anchor, backup

    try:
        backup.restore(snapshot, force=force, echo=click.echo)
    except backup.BackupError as exc:
        click.echo(f"restore REFUSED: {exc}", err=True)
        sys.exit(1)
    click.echo("row counts match the manifest")
    report = audit.verify()
    if not report.ok:
        click.echo(f"audit chain BROKEN at seq {report.first_bad_seq}: row {report.problem}", err=True)
        sys.exit(1)
    click.echo(f"audit chain intact: {report.rows} rows")
    try:
        marker = audit_anchor.mark_restore(snapshot.name)
    except audit_anchor.AnchorError as exc:
        click.echo(f"WARNING: the restore was not recorded in the anchor file: {exc}", err=True)
        sys.exit(1)
    click.echo(f"restore recorded as anchor line {marker.n} (seq {marker.seq}); "
               "run `flask audit verify` once the instance is back")


jobs_cli = AppGroup("jobs", help="Scheduled jobs (production runs each from a systemd timer).")


@jobs_cli.command("run")
@click.option("--once", is_flag=True, help="Run every job once, then exit.")
@with_appcontext
def jobs_run_command(once: bool) -> None:
    """Run the scheduled jobs in a loop (what `make run` does in the background); SIGTERM stops it."""
    import signal

    from portal import jobs

    stopping = {"flag": False}
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stopping.update(flag=True))
    try:
        jobs.run_loop(once=once, should_stop=lambda: stopping["flag"])
    except KeyboardInterrupt:
        return


@click.command("dev-stack")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--sandbox-port", default=5055, show_default=True, type=int)
@with_appcontext
def dev_stack_command(host: str, port: int, sandbox_port: int) -> None:
    """The portal with the platform sandbox, the outbox worker and the scheduled jobs (`make run`)."""
    from pathlib import Path

    from portal import devstack

    if current_app.config.get("ENV_NAME") == "production":
        click.echo("dev-stack is for development; production runs each part as a service.", err=True)
        sys.exit(2)
    enterprises = Path(current_app.instance_path) / "sandbox-enterprises.json"
    click.echo(f"{devstack.write_enterprises(enterprises)} registered firms known to the sandbox")
    sys.exit(devstack.run(host, port, sandbox_port, enterprises, echo=click.echo))


def init_app(app: Flask) -> None:
    app.cli.add_command(jobs_cli)
    app.cli.add_command(dev_stack_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_scale_command)
    app.cli.add_command(audit_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(attachments_cli)
    from portal.compliance.cli import compliance_cli

    app.cli.add_command(compliance_cli)
    from portal.supervision.cli import alerts_cli, notices_cli

    app.cli.add_command(alerts_cli)
    app.cli.add_command(notices_cli)

    from portal.api.cli import api_token_cli
    from portal.gov.cli import gov
    from portal.integrations.cli import outbox_cli, register_gov_commands

    if "verify-pending" not in gov.commands:
        register_gov_commands(gov)
    app.cli.add_command(gov)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(api_token_cli)
    from portal.feedback.cli import feedback_cli

    app.cli.add_command(feedback_cli)
    from portal.followups.cli import followups_cli

    app.cli.add_command(followups_cli)
    from portal.scoring.cli import scoring_cli

    app.cli.add_command(scoring_cli)
    from portal.sitechecks.jobs import sitechecks_cli

    app.cli.add_command(sitechecks_cli)
    app.shell_context_processor(lambda: {"db": db})
