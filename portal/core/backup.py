"""Backup and restore (数据备份恢复): consistent snapshots of the database and the upload store.

A snapshot is a folder `snapshot-<UTC time>` under BACKUP_DIR holding the database (SQLite: a copy
made with the online backup API; PostgreSQL: `pg_dump -Fc`), the uploaded files the database refers
to, and `manifest.json`: the row count of every table and the SHA-256 of every file, signed with a key
derived from AUDIT_HMAC_KEY. The database is copied first, inside one read snapshot, and the files it
refers to afterwards: an upload's file is written before its row commits, so every file the snapshot
needs exists by then, and files of later uploads are simply not part of it.

A snapshot is built in a hidden `.partial-…` folder and renamed when complete, so a crash never
leaves something that looks like a snapshot. Restore checks every hash first and only fills an empty
instance (unless forced).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL

from portal.core import clock
from portal.extensions import db

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
UPLOADS = "uploads"
PREFIX = "snapshot-"
FORMAT = 1


class BackupError(Exception):
    """A snapshot could not be made, is damaged, or cannot be restored here."""


@dataclass
class Created:
    path: Path
    manifest: dict
    offsite: Path | None = None
    pruned: list[Path] = field(default_factory=list)


# -- manifest -------------------------------------------------------------------------------------

def _manifest_key() -> bytes:
    return hmac.new(current_app.config["AUDIT_HMAC_KEY"].encode(), b"backup-manifest", hashlib.sha256).digest()


def _manifest_signature(body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(_manifest_key(), canonical.encode(), hashlib.sha256).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: Path) -> dict:
    try:
        document = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        body, signature = document["body"], document["signature"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{folder}: no readable {MANIFEST} ({exc})") from exc
    if not hmac.compare_digest(signature, _manifest_signature(body)):
        raise BackupError(f"{folder}: the manifest's signature does not match (edited, or another AUDIT_HMAC_KEY)")
    return body


def verify(folder: Path) -> list[str]:
    """Every problem of a snapshot folder: manifest signature, missing, changed or unlisted files."""
    folder = Path(folder)
    try:
        manifest = read_manifest(folder)
    except BackupError as exc:
        return [str(exc)]
    problems = []
    listed = manifest["files"]
    for name, expected in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"missing file {name}")
        elif path.stat().st_size != expected["size"] or _sha256(path) != expected["sha256"]:
            problems.append(f"changed file {name} (SHA-256 differs from the manifest)")
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {MANIFEST}
    problems.extend(f"unlisted file {name}" for name in sorted(present - set(listed)))
    return problems


# -- create ---------------------------------------------------------------------------------------

def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string for pg_dump/pg_restore; the password goes in the environment, not argv."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    bare = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                      query=url.query)
    return bare.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} was not found on PATH; install the PostgreSQL client tools "
                          "(the server's major version or newer)")
    return found


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _dump_sqlite(work: Path) -> tuple[dict[str, int], list[tuple[str, str]]]:
    target = work / SQLITE_FILE
    source = sqlite3.connect(_sqlite_path(), timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step: one consistent read snapshot, writers carry on (WAL)
        copy.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
        tables = [r[0] for r in copy.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = {name: copy.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables}
        files = copy.execute("SELECT stored_name, sha256 FROM attachment").fetchall() if "attachment" in counts else []
    finally:
        copy.close()
        source.close()
    return counts, [tuple(row) for row in files]


def _pg_tables(conn) -> list[str]:
    return list(conn.execute(text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' ORDER BY table_name")).scalars())


def _dump_postgresql(work: Path) -> tuple[dict[str, int], list[tuple[str, str]]]:
    pg_dump = _tool("pg_dump")
    dsn, env = _libpq(db.engine.url)
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        # pg_dump joins this transaction's snapshot, so the dump and the counts see the same rows.
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        counts = {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                  for name in _pg_tables(conn)}
        files = ([tuple(r) for r in conn.execute(text("SELECT stored_name, sha256 FROM attachment"))]
                 if "attachment" in counts else [])
        _run([pg_dump, "--format=custom", "--no-owner", f"--snapshot={snapshot}", "--file", str(work / PG_FILE),
              "--dbname", dsn], env)
    return counts, files


def _copy_uploads(work: Path, files: list[tuple[str, str]]) -> list[str]:
    """Copy the files the snapshot's rows refer to; returns problems found in the live store."""
    source = Path(current_app.config["UPLOAD_DIR"])
    target = work / UPLOADS
    target.mkdir()
    problems = []
    for stored_name, sha256 in files:
        path = source / stored_name
        if not path.is_file():
            problems.append(f"attachment file {stored_name} is missing from UPLOAD_DIR")
            continue
        shutil.copy2(path, target / stored_name)
        if _sha256(target / stored_name) != sha256:
            problems.append(f"attachment file {stored_name} does not match its SHA-256 in the database")
    return problems


def _write_manifest(work: Path, body: dict) -> None:
    body["files"] = {
        p.relative_to(work).as_posix(): {"size": p.stat().st_size, "sha256": _sha256(p)}
        for p in sorted(work.rglob("*")) if p.is_file()
    }
    document = {"body": body, "signature": _manifest_signature(body)}
    (work / MANIFEST).write_text(json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                                 encoding="utf-8")


def _publish(work: Path, final: Path) -> None:
    os.replace(work, final)


def _copy_offsite(snapshot: Path, offsite: Path) -> Path:
    offsite.mkdir(parents=True, exist_ok=True)
    work = offsite / f".partial-{snapshot.name}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(snapshot, work)
    problems = verify(work)
    if problems:
        raise BackupError(f"the off-site copy in {offsite} does not verify: {'; '.join(problems[:5])}")
    final = offsite / snapshot.name
    _publish(work, final)
    return final


def snapshots(base: Path) -> list[Path]:
    """Complete snapshots, oldest first (their names sort by time)."""
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_dir() and p.name.startswith(PREFIX))


def prune(base: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` snapshots."""
    if keep < 1:
        raise BackupError("--keep must be at least 1")
    old = snapshots(base)[:-keep]
    for path in old:
        shutil.rmtree(path)
    return old


def create(*, keep: int | None = None) -> Created:
    """Snapshot database and uploads into BACKUP_DIR (and BACKUP_OFFSITE_DIR when set); prune to `keep`."""
    base = Path(current_app.config["BACKUP_DIR"])
    base.mkdir(parents=True, exist_ok=True)
    now = clock.utcnow()
    name = PREFIX + now.strftime("%Y%m%dT%H%M%S%fZ")
    work = base / f".partial-{name}"
    work.mkdir()
    dialect = db.engine.dialect.name
    try:
        if dialect == "sqlite":
            counts, files = _dump_sqlite(work)
        elif dialect == "postgresql":
            counts, files = _dump_postgresql(work)
        else:
            raise BackupError(f"no backup method for the {dialect} database")
        problems = _copy_uploads(work, files)
        body = {"format": FORMAT, "created_at": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "dialect": dialect,
                "database_file": SQLITE_FILE if dialect == "sqlite" else PG_FILE, "tables": counts,
                "attachments": len(files), "upload_problems": problems}
        _write_manifest(work, body)
        final = base / name
        _publish(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    created = Created(final, body)
    if current_app.config.get("BACKUP_OFFSITE_DIR"):
        offsite = Path(current_app.config["BACKUP_OFFSITE_DIR"])
        created.offsite = _copy_offsite(final, offsite)
        if keep:
            created.pruned += prune(offsite, keep)
    if keep:
        created.pruned += prune(base, keep)
    return created


# -- restore --------------------------------------------------------------------------------------

def _database_rows() -> int:
    """Rows in the current database's tables (0 for a database without any table yet)."""
    with db.engine.connect() as conn:
        names = inspect(conn).get_table_names()
        return sum(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in names)


def table_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                for name in sorted(inspect(conn).get_table_names())}


def restore(folder: Path, *, force: bool = False, echo: Callable[[str], None] = lambda _line: None) -> dict:
    """Fill this instance's database and UPLOAD_DIR from a snapshot, after checking every hash.

    Refuses a database holding any row, or an UPLOAD_DIR holding any file, unless `force`. Returns the
    manifest once the restored row counts have been checked against it.
    """
    folder = Path(folder)
    problems = verify(folder)
    if problems:
        raise BackupError(f"{folder} does not verify: " + "; ".join(problems[:10]))
    manifest = read_manifest(folder)
    echo(f"snapshot verified: {len(manifest['files'])} files match the manifest")
    dialect = db.engine.dialect.name
    if dialect != manifest["dialect"]:
        raise BackupError(f"the snapshot holds a {manifest['dialect']} database; this instance uses {dialect}")
    uploads = Path(current_app.config["UPLOAD_DIR"])
    db.session.remove()
    if not force:
        if _database_rows():
            raise BackupError("the database is not empty; restore into an empty one, or pass --force")
        if uploads.is_dir() and any(uploads.iterdir()):
            raise BackupError(f"{uploads} is not empty; restore into an empty one, or pass --force")
    source = folder / manifest["database_file"]
    if dialect == "sqlite":
        db.engine.dispose()
        backup_source = sqlite3.connect(source)
        target = sqlite3.connect(_sqlite_path(), timeout=30)
        try:
            backup_source.backup(target)
        finally:
            target.close()
            backup_source.close()
    else:
        pg_restore = _tool("pg_restore")
        dsn, env = _libpq(db.engine.url)
        db.engine.dispose()
        _run([pg_restore, "--no-owner", "--clean", "--if-exists", "--exit-on-error", "--single-transaction",
              "--dbname", dsn, str(source)], env)
    db.engine.dispose()
    echo(f"database restored ({sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables)")
    uploads.mkdir(parents=True, exist_ok=True)
    for path in sorted((folder / UPLOADS).iterdir()):
        shutil.copy2(path, uploads / path.name)
        os.chmod(uploads / path.name, 0o600)
    echo(f"uploads restored: {manifest['attachments']} files into {uploads}")
    restored = table_counts()
    differing = {name: (count, restored.get(name)) for name, count in manifest["tables"].items()
                 if restored.get(name) != count}
    if differing:
        raise BackupError(f"row counts differ from the manifest after the restore: {differing}")
    return manifest
