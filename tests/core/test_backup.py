"""Backup and restore: a snapshot taken while the portal keeps writing restores into a fresh instance
whose audit chain verifies, whose row counts match the manifest and whose attachments match their
SHA-256; a damaged snapshot is refused, retention prunes, the off-site copy is verified."""
from __future__ import annotations

import hashlib
import shutil
import threading
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.core import audit, backup, uploads
from portal.core.models import Attachment, AuditEvent
from portal.extensions import db


def _png(n: int) -> bytes:
    """A real, distinct PNG (uploads are decoded and re-encoded, so it must be a valid image)."""
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (4, 4), (n % 256, (n // 256) % 256, 7)).save(out, "PNG")
    return out.getvalue()


def _instance(folder: Path, uri: str | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    return create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": uri or f"sqlite:///{folder / 'portal.db'}",
        "UPLOAD_DIR": str(folder / "uploads"),
        "AUDIT_ANCHOR_DIR": str(folder / "anchors"),
        "BACKUP_DIR": str(folder / "backups"),
        "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_FAST": True,
    })


def _needs_pg_tools() -> None:
    missing = [tool for tool in ("pg_dump", "pg_restore") if not shutil.which(tool)]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not on PATH")


def _write(n: int) -> None:
    """One unit of work as the services do it: an upload (file, row and audit event) or an audit event."""
    if n % 3 == 0:
        uploads.save_upload(_png(n), f"scan-{n}.png", owner_type="test", owner_id=n)
    else:
        audit.record("test.backup_write", "thing", n)
    db.session.commit()


class Writer(threading.Thread):
    """Keeps writing through the services in its own app context until stopped."""

    def __init__(self, app) -> None:
        super().__init__(daemon=True)
        self.app, self.stop, self.done, self.errors = app, threading.Event(), 0, []

    def run(self) -> None:
        with self.app.app_context():
            try:
                while not self.stop.is_set():
                    _write(self.done)
                    self.done += 1
            except Exception as exc:  # reported by the test
                self.errors.append(exc)
            finally:
                db.session.remove()

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 30
        while self.done < count and not self.errors and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not self.errors and self.done >= count, self.errors


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(params=["sqlite", "postgresql"])
def instances(request, app, tmp_path):
    """(source, fresh target) for one database kind; the source already holds some data."""
    if request.param == "sqlite":
        source = _instance(tmp_path / "source")
        with source.app_context():
            upgrade()
        target = _instance(tmp_path / "target")
        yield source, target
        return
    if db.engine.dialect.name != "postgresql":
        pytest.skip("set TEST_DATABASE_URL to a PostgreSQL database to run the PostgreSQL variant")
    _needs_pg_tools()
    url = db.engine.url
    name = f"{url.database}_restore"
    autocommit = db.engine.execution_options(isolation_level="AUTOCOMMIT")
    try:
        with autocommit.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no right to create a database: the variant cannot run here
        pytest.skip(f"cannot create the restore database {name}: {exc}")
    target = _instance(tmp_path / "target", url.set(database=name).render_as_string(hide_password=False))
    yield app, target
    with target.app_context():
        db.engine.dispose()
    with autocommit.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_snapshot_taken_during_writes_restores_into_a_fresh_instance(instances):
    source, target = instances
    with source.app_context():
        writer = Writer(source)
        writer.start()
        try:
            writer.wait_for(12)
            created = source.test_cli_runner().invoke(args=["backup", "create"])
            assert created.exit_code == 0, created.output
            at_snapshot = writer.done
            writer.wait_for(at_snapshot + 6)  # the portal kept writing during and after the snapshot
        finally:
            writer.stop.set()
            writer.join(10)
        assert not writer.errors
        [snapshot] = backup.snapshots(Path(source.config["BACKUP_DIR"]))
        manifest = backup.read_manifest(snapshot)
        live_events = db.session.scalar(select(func.count()).select_from(AuditEvent))
        assert 12 <= manifest["tables"]["audit_event"] < live_events
        assert manifest["attachments"] >= 4 and manifest["upload_problems"] == []
        assert source.test_cli_runner().invoke(args=["backup", "verify", str(snapshot)]).exit_code == 0

    with target.app_context():  # the CLI runs in the app context it finds
        restored = target.test_cli_runner().invoke(args=["backup", "restore", str(snapshot)])
        assert restored.exit_code == 0, restored.output
        assert "row counts match the manifest" in restored.output
        report = audit.verify()
        assert report.ok and report.rows == manifest["tables"]["audit_event"]
        assert backup.table_counts() == manifest["tables"]
        attachments = db.session.scalars(select(Attachment)).all()
        assert len(attachments) == manifest["attachments"]
        upload_dir = Path(target.config["UPLOAD_DIR"])
        for attachment in attachments:
            assert _sha256(upload_dir / attachment.stored_name) == attachment.sha256
        again = target.test_cli_runner().invoke(args=["backup", "restore", str(snapshot)])
        assert again.exit_code == 1 and "not empty" in again.output
        db.session.remove()


def _snapshot_of_session_app(app, runner, *args: str) -> Path:
    if db.engine.dialect.name == "postgresql":
        _needs_pg_tools()
    for n in range(4):
        _write(n)
    result = runner.invoke(args=["backup", "create", *args])
    assert result.exit_code == 0, result.output
    return backup.snapshots(Path(app.config["BACKUP_DIR"]))[-1]


def test_damaged_snapshot_is_refused_before_anything_is_restored(app, runner, tmp_path):
    snapshot = _snapshot_of_session_app(app, runner)
    upload = next((snapshot / backup.UPLOADS).iterdir())
    upload.write_bytes(upload.read_bytes() + b"x")
    result = runner.invoke(args=["backup", "verify", str(snapshot)])
    assert result.exit_code == 1 and f"changed file uploads/{upload.name}" in result.output
    target = _instance(tmp_path / "target")
    with target.app_context():
        refused = target.test_cli_runner().invoke(args=["backup", "restore", str(snapshot)])
        assert refused.exit_code == 1 and "does not verify" in refused.output
        assert backup.table_counts() == {}


def test_edited_manifest_is_refused(app, runner):
    snapshot = _snapshot_of_session_app(app, runner)
    manifest = snapshot / backup.MANIFEST
    manifest.write_text(manifest.read_text().replace('"audit_event": ', '"audit_event": 1'))
    result = runner.invoke(args=["backup", "verify", str(snapshot)])
    assert result.exit_code == 1 and "signature does not match" in result.output


def test_keep_prunes_older_snapshots_and_offsite_copy_is_verified(app, runner, tmp_path):
    app.config["BACKUP_OFFSITE_DIR"] = str(tmp_path / "offsite")
    try:
        names = [_snapshot_of_session_app(app, runner, "--keep", "2").name for _ in range(3)]
    finally:
        app.config["BACKUP_OFFSITE_DIR"] = ""
    assert [p.name for p in backup.snapshots(Path(app.config["BACKUP_DIR"]))] == names[1:]
    assert [p.name for p in backup.snapshots(tmp_path / "offsite")] == names[1:]
    assert backup.verify(tmp_path / "offsite" / names[-1]) == []


def test_missing_pg_dump_is_a_clear_error(app, monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(backup.BackupError, match="pg_dump was not found on PATH"):
        backup._tool("pg_dump")


def test_postgresql_url_keeps_the_password_out_of_the_command_line():
    dsn, env = backup._libpq(make_url("postgresql+psycopg://portal:s3cret@db.example:5432/portal?sslmode=require"))
    assert "s3cret" not in dsn and dsn.startswith("postgresql://portal@db.example:5432/portal")
    assert env["PGPASSWORD"] == "s3cret"
