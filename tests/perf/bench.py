"""Benchmark suite (`make bench`, `make bench DB=postgres`): seeds or reuses a province-scale database,
serves the portal under gunicorn on 127.0.0.1, drives the key pages with a bounded load (wrk, or a
threaded Python generator when wrk is missing) and writes the figures to bench-results/."""
from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.perf import wrk as wrk_tool  # noqa: E402
from tests.perf.bench_cluster import ClusterResult, run_cluster  # noqa: E402
from tests.perf.bench_cluster import summary_rows as cluster_rows  # noqa: E402
from tests.perf.bench_exports import ExportResult, run_exports  # noqa: E402
from tests.perf.bench_jobs import JobResult, run_jobs  # noqa: E402
from tests.perf.bench_pages import data_ids, page_templates  # noqa: E402
from tests.perf.bench_writes import WriteStats, pick_users, run_writes  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "bench"
RESULTS = ROOT / "bench-results"

# The pages under test: (label, path, who), built in tests/perf/bench_pages.py; placeholders are filled
# from the seeded data. A page answering 404 is reported as missing, not as a failure.
PAGES: list[tuple[str, str, str | None]] = page_templates()
BASELINE = "baseline"
BASELINE_END = "baseline (again, last)"

FULL_SIZES = {"firms": 600, "agencies": 3000, "projects": 100_000, "feedback": 1_000_000,
              "inspection-items": 300_000, "audit-rows": 1_000_000}
QUICK_SIZES = {"firms": 60, "agencies": 300, "projects": 5_000, "feedback": 50_000,
               "inspection-items": 15_000, "audit-rows": 50_000}
DEMO_PASSWORD = "Demo#2026pass"
# Issue 16's targets (province scale, both databases, one machine, one run).
TARGET_P95_MS = 100.0          # every page at 16 connections
TARGET_WRITE_P95_MS = 250.0    # writes at 16 concurrent clients, 0 errors
TARGET_EXPORT_S = 10.0         # any export of up to 100,000 rows, streamed
TARGET_RSS_MB = 250.0          # worker RSS, exports included
TARGET_JOB_S = 5.0             # alert scan; period scoring of 600 firms
TARGET_AUDIT_S = 60.0          # audit verify of 10,000,000 rows
TARGET_OUTBOX = 500.0          # msg/s with 2 workers, 0 lost, 0 doubled
TARGET_RATIO = 0.35            # retired as a target (issue 16): reported only
CONNECTIONS = 16
WRITE_CLIENTS = 16



@dataclass
class PageResult:
    label: str
    path: str
    who: str | None
    state: str = "ok"  # ok | missing | forbidden | redirect | error | no login | no token
    rps: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    requests: int = 0
    errors: int = 0
    ratio: float | None = None
    statements: float | None = None  # SQL statements per warm request, counted in-process


@dataclass
class Run:
    db: str
    quick: bool
    sizes: dict
    duration: float
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    seed_seconds: float | None = None
    reused: bool = False
    pages: list[PageResult] = field(default_factory=list)
    exports: list[ExportResult] = field(default_factory=list)
    jobs: list[JobResult] = field(default_factory=list)
    writes: WriteStats | None = None
    write_clients: int = 0
    write_seconds: float = 0.0
    write_log_errors: int = 0
    extras: dict[str, str] = field(default_factory=dict)
    cluster: ClusterResult | None = None
    counts: dict[str, int] = field(default_factory=dict)
    tool: str = ""
    # Other work on the machine skews every figure; the load average shows how much there was.
    load_before: tuple[float, ...] = field(default_factory=os.getloadavg)
    load_after: tuple[float, ...] = ()


# --- environment ---------------------------------------------------------------------------------
def python_bin() -> str:
    return sys.executable


def keys() -> dict[str, str]:
    """Generated secrets, kept beside the bench databases: reused data must decrypt with them."""
    VAR.mkdir(parents=True, exist_ok=True)
    path = VAR / "keys.json"
    if path.exists():
        return json.loads(path.read_text())
    values = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_KEY": base64.b64encode(os.urandom(32)).decode(),
        "AUDIT_HMAC_KEY": secrets.token_urlsafe(32),
    }
    path.write_text(json.dumps(values))
    return values


def database_url(db: str, quick: bool, pg_url: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{VAR / ('bench-quick.db' if quick else 'bench.db')}"
    base = pg_url.rstrip("/")
    name = os.environ.get("BENCH_PG_DB", "bench")  # a database of one's own on a shared server
    return f"{base}/{name}{'_quick' if quick else ''}"


def app_env(url: str, config: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(keys())
    env.update({"DATABASE_URL": url, "FLASK_CONFIG": config, "FLASK_APP": "wsgi", "GOV_MODE": "fake",
                "PYTHONUNBUFFERED": "1",
                # Each bench database anchors its own audit chain (a shared folder mixes chains).
                "AUDIT_ANCHOR_DIR": str(VAR / ("anchors-" + hashlib.sha256(url.encode()).hexdigest()[:12]))})
    env.pop("TEST_DATABASE_URL", None)
    return env


def flask(args: list[str], url: str, check: bool = True, config: str = "development",
          capture: bool = True, timeout: float | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([python_bin(), "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env=app_env(url, config), check=check, text=True, timeout=timeout,
                          capture_output=capture)


def ensure_pg_database(url: str, recreate: bool) -> None:
    import psycopg

    parts = urlsplit(url.replace("postgresql+psycopg", "postgresql"))
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and recreate:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def marker_path(url: str) -> Path:
    return VAR / (hashlib.sha256(url.encode()).hexdigest()[:12] + ".seeded.json")


def key_fingerprint() -> str:
    return hashlib.sha256(json.dumps(keys(), sort_keys=True).encode()).hexdigest()[:16]


def prepare_database(run: Run, url: str, reseed: bool) -> None:
    """Reuse a database seeded with the same sizes and keys; otherwise build it from scratch."""
    marker = marker_path(url)
    wanted = {"sizes": run.sizes, "keys": key_fingerprint()}
    if not reseed and marker.exists():
        saved = json.loads(marker.read_text())
        if {k: saved.get(k) for k in wanted} == wanted and database_reachable(url):
            run.reused = True
            run.seed_seconds = saved.get("seconds")
            print(f"reusing the seeded database ({url}); --reseed rebuilds it")
            flask(["db", "upgrade"], url)  # indexes added since it was seeded
            vacuum(url)
            return
    marker.unlink(missing_ok=True)
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        ensure_pg_database(url, recreate=True)
    print("migrating ...")
    flask(["db", "upgrade"], url)
    sizes = [f"--{k}={v}" for k, v in run.sizes.items()]
    print("seeding " + " ".join(sizes) + " ...")
    started = time.perf_counter()
    progress = [] if sys.stdout.isatty() else ["--no-progress"]
    flask(["seed-scale", *sizes, *progress], url, capture=False)
    run.seed_seconds = time.perf_counter() - started
    marker.write_text(json.dumps({**wanted, "seconds": run.seed_seconds}))


def vacuum(url: str) -> None:
    """PostgreSQL: refresh statistics and the visibility map (index-only scans) after a migration added
    indexes to reused data, as autovacuum would in time on a live server."""
    if url.startswith("sqlite"):
        return
    engine = make_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def database_reachable(url: str) -> bool:
    if url.startswith("sqlite"):
        return Path(url.removeprefix("sqlite:///")).exists()
    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1 FROM project_filing LIMIT 1")
        engine.dispose()
        return True
    except Exception:  # any failure means: rebuild
        return False


def make_engine(url: str):
    from sqlalchemy import create_engine

    return create_engine(url)


def data_facts(url: str) -> tuple[dict[str, str], dict[str, int], str]:
    """Ids to fill the page placeholders, row counts for the report, and the database size."""
    engine = make_engine(url)
    tables = ["firm", "agency", "user_account", "staff_member", "project_filing", "feedback", "incident",
              "inspection", "inspection_result", "rectification_order", "notice", "alert", "followup",
              "site_patrol", "notification", "audit_event", "state_transition"]
    with engine.connect() as conn:
        counts = {t: conn.exec_driver_sql(f'SELECT COUNT(*) FROM "{t}"').scalar() for t in tables}
        facts = data_ids(conn, counts)
        if url.startswith("sqlite"):
            path = Path(url.removeprefix("sqlite:///"))
            size = sum(Path(str(path) + s).stat().st_size for s in ("", "-wal") if Path(str(path) + s).exists())
        else:
            size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
    engine.dispose()
    return facts, counts, f"{size / 1024 / 1024:,.0f} MB"


# --- server --------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with sync workers (one per core) on 127.0.0.1; stopped by `stop()` in a finally block."""

    def __init__(self, url: str, workers: int, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        env = app_env(url, "bench")
        env["BENCH_BASELINE"] = "1"
        env.update(extra_env or {})
        self.log = open(VAR / "gunicorn.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [python_bin(), "-m", "gunicorn", "--workers", str(workers), "--worker-class", "sync",
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "120", "--graceful-timeout", "5",
             "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.peak_rss_mb = 0.0
        self._sampling = False

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited; see var/bench/gunicorn.log")
            try:
                status, _headers, _body = get(self.base, "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /healthz in time; see var/bench/gunicorn.log")

    def worker_pids(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(c) for c in children]

    def sample_rss(self) -> float:
        total_peak = 0.0
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total_peak = max(total_peak, int(line.split()[1]) / 1024)
            except OSError:
                continue
        self.peak_rss_mb = max(self.peak_rss_mb, total_peak)
        return total_peak

    def start_sampling(self) -> None:
        self._sampling = True

        def loop() -> None:
            while self._sampling:
                self.sample_rss()
                time.sleep(0.5)

        threading.Thread(target=loop, daemon=True).start()

    def stop(self) -> None:
        self._sampling = False
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.log.close()


def get(base: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def login(base: str, username: str) -> str | None:
    """Log in through the real form (CSRF token from the page); returns the Cookie header value."""
    import requests

    session = requests.Session()
    page = session.get(f"{base}/auth/login", timeout=30)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    data = {"username": username, "password": DEMO_PASSWORD}
    if match:
        data["csrf_token"] = match.group(1)
    response = session.post(f"{base}/auth/login", data=data, allow_redirects=False, timeout=60)
    if response.status_code not in (302, 303) or "/auth/" in response.headers.get("Location", "/auth/"):
        return None
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def api_token(url: str, username: str) -> str | None:
    """A bearer token from `flask api-token create` when the API area provides it."""
    try:
        done = flask(["api-token", "create", username], url, check=False, timeout=60)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return None
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    candidates = [w for line in lines for w in line.split() if len(w) >= 20]
    return candidates[-1] if candidates else None


# --- load ----------------------------------------------------------------------------------------
def run_wrk(wrk_bin: str, url: str, headers: dict, duration: float, connections: int) -> dict:
    env = {"BENCH_COOKIE": headers.get("Cookie", ""), "BENCH_AUTH": headers.get("Authorization", "")}
    return wrk_tool.run(wrk_bin, url, wrk_tool.ONE_PAGE, env, duration, connections)


def run_python_load(base: str, path: str, headers: dict, duration: float, connections: int) -> dict:
    """Fallback when wrk is missing: `connections` keep-alive clients in threads for `duration` s."""
    parts = urlsplit(base)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine: list[float] = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                ok = False
            mine.append(time.perf_counter() - started)
            if not ok:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if not latencies:
        return {"requests": 0, "rps": 0.0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "errors": errors[0]}
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "p50": cuts[49] * 1000,
            "p95": cuts[94] * 1000, "p99": cuts[98] * 1000, "errors": errors[0]}


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found or os.environ.get("BENCH_NO_APT"):
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing; installing it from Debian's packages ...")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, capture_output=True)
    return shutil.which("wrk")


def probe(base: str, path: str, headers: dict) -> str:
    status, response_headers, _body = get(base, path, headers)
    if status == 200:
        return "ok"
    if status == 404:
        return "missing"
    if status in (401, 403):
        return "forbidden"
    if 300 <= status < 400:
        return f"redirect → {response_headers.get('Location', '?')[:40]}"
    return f"error {status}"


# --- extras --------------------------------------------------------------------------------------
SCORING_SNIPPET = r"""
import importlib, json, sys, time
from portal import create_app
app = create_app()
def done(text):
    print(json.dumps({"result": text})); sys.exit(0)
with app.app_context():
    try:
        scoring = importlib.import_module("portal.scoring.service")
    except ImportError:
        done("n/a (no portal.scoring.service)")
    if not (hasattr(scoring, "open_period") and hasattr(scoring, "run_period")):
        done("n/a (portal.scoring.service has no open_period/run_period)")
    from sqlalchemy import select
    from portal.core import clock
    from portal.core.context import Actor, set_actor
    from portal.extensions import db
    from portal.scoring.models import ScoringPeriod
    from portal.auth.models import User
    lead = db.session.scalar(select(User).where(User.username == "lead"))
    set_actor(Actor(user_id=lead.id, username=lead.username, roles=tuple(lead.role_codes),
                    office_id=lead.office_id))
    today = clock.today()
    year, quarter = today.year, (today.month - 1) // 3
    # The last finished quarter; on reused data whose quarters are computed already, the one before
    # (up to three years back), so every run times a real computation of all firms.
    for _ in range(12):
        if quarter == 0:
            year, quarter = year - 1, 4
        label = f"{year}Q{quarter}"
        period = db.session.scalar(select(ScoringPeriod).where(ScoringPeriod.label == label))
        if period is None or period.status == "draft":
            break
        quarter -= 1
    else:
        done("n/a (every quarter of three years is computed already)")
    if period is None:
        period = scoring.open_period(label)
    started = time.perf_counter()
    summary = scoring.run_period(period.id)
    seconds = time.perf_counter() - started
    done(f"{seconds:.1f} s for {getattr(summary, 'firms', '?')} firms, "
         f"{getattr(summary, 'queries', '?')} evidence queries (run_period {label})")
"""

def first_score_id(url: str, firm_id: str) -> str:
    """A firm score of the bench firm, once a period has been computed ("0" → the page is missing)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.exec_driver_sql(
            f"SELECT id FROM firm_score WHERE firm_id = {int(firm_id)} ORDER BY id DESC LIMIT 1").first()
    engine.dispose()
    return str(row[0]) if row else "0"


def machine() -> str:
    mem_kb = next(int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines()
                  if ln.startswith("MemTotal:"))
    model = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                  if ln.startswith("model name")), platform.machine())
    return f"{os.cpu_count()} cores ({model}), {mem_kb / 1024 / 1024:.1f} GB RAM, Python {platform.python_version()}"


def database_version(url: str) -> str:
    engine = make_engine(url)
    with engine.connect() as conn:
        if url.startswith("sqlite"):
            version = "SQLite " + conn.exec_driver_sql("SELECT sqlite_version()").scalar()
        else:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
            version = "PostgreSQL " + version.split()[0]
    engine.dispose()
    return version


# --- report --------------------------------------------------------------------------------------
def mark(met: bool) -> str:
    return "✔" if met else "✘"


def table_lines(run: Run) -> list[str]:
    lines = [f"| page | path | as | state | req/s | p50 ms | p95 ms | p99 ms | SQL/req | p95 ≤ {TARGET_P95_MS:.0f} ms "
             "| vs baseline (reported only) |",
             "|---|---|---|---|---:|---:|---:|---:|---:|---|---:|"]
    for p in run.pages:
        if p.state != "ok":
            lines.append(f"| {p.label} | `{p.path}` | {p.who or 'anonymous'} | {p.state} | | | | | | | |")
            continue
        ratio = f"{p.ratio:.0%}" if p.ratio is not None else ""
        met = ""
        if p.label not in (BASELINE, BASELINE_END):
            met = mark(p.p95 <= TARGET_P95_MS and p.errors == 0)
        errors = f" ({p.errors} errors)" if p.errors else ""
        statements = f"{p.statements:g}" if p.statements is not None else ""
        lines.append(f"| {p.label} | `{p.path}` | {p.who or 'anonymous'} | ok{errors} | {p.rps:,.0f} | "
                     f"{p.p50:.1f} | {p.p95:.1f} | {p.p99:.1f} | {statements} | {met} | {ratio} |")
    return lines


def summary_lines(run: Run) -> list[str]:
    """One row per target of issue 16: the figure, the target and ✔/✘."""
    rows = []
    pages = [p for p in run.pages if p.state == "ok" and p.label not in (BASELINE, BASELINE_END)]
    if pages:
        worst = max(pages, key=lambda p: p.p95)
        missed = [p for p in pages if p.p95 > TARGET_P95_MS or p.errors]
        rows.append((f"every page at {CONNECTIONS} connections ({len(pages)} pages measured)",
                     f"worst p95 {worst.p95:.0f} ms ({worst.label}); {len(missed)} over target",
                     f"p95 ≤ {TARGET_P95_MS:.0f} ms", not missed))
    if run.writes is not None:
        w = run.writes
        errors = w.count("error") + run.write_log_errors
        rows.append((f"writes at {run.write_clients} concurrent clients, {run.write_seconds:g} s",
                     f"{len(w.latencies):,} writes, p95 {w.p95():.0f} ms, {errors} errors, "
                     f"{w.count('conflict')} conflicts (409)",
                     f"0 errors, p95 ≤ {TARGET_WRITE_P95_MS:.0f} ms",
                     errors == 0 and w.p95() <= TARGET_WRITE_P95_MS and run.write_clients == WRITE_CLIENTS))
    for e in run.exports:
        if e.state != "ok":
            rows.append((e.label, e.state, f"≤ {TARGET_EXPORT_S:.0f} s, ≤ {TARGET_RSS_MB:.0f} MB", False))
            continue
        scale = TARGET_EXPORT_S * max(1.0, e.rows / 100_000)
        rows.append((f"{e.label} ({e.rows:,} rows)" if e.rows else e.label,
                     f"{e.seconds:.1f} s, first byte {e.first_byte:.1f} s, {e.mb:.1f} MB, worker peak RSS "
                     f"{e.peak_rss:.0f} MB{'' if e.streamed else ', NOT streamed'}",
                     f"≤ {TARGET_EXPORT_S:.0f} s per 100,000 rows, streamed, RSS ≤ {TARGET_RSS_MB:.0f} MB",
                     e.seconds <= scale and e.streamed and e.peak_rss <= TARGET_RSS_MB))
    for j in run.jobs:
        if j.label.startswith("outbox"):
            two = "2 workers" in j.label
            rate = getattr(j, "window_rate", None) or 0.0
            target = f"≥ {TARGET_OUTBOX:.0f} msg/s, 0 lost, 0 doubled" if two else "0 lost, 0 doubled"
            met = j.ok and (rate >= TARGET_OUTBOX if two else True)
            rows.append((j.label, f"{j.detail}; peak RSS {j.peak_mb:.0f} MB", target, met))
        elif j.label.startswith("audit"):
            rows_n = int(re.sub(r"\D", "", j.label) or 0)
            ten_m = j.seconds / rows_n * 10_000_000 if rows_n else float("inf")
            rows.append((j.label, f"{j.seconds:.1f} s, peak RSS {j.peak_mb:.0f} MB; {j.detail}",
                         f"10,000,000 rows ≤ {TARGET_AUDIT_S:.0f} s "
                         f"({'measured' if rows_n >= 10_000_000 else 'extrapolated linearly'}), constant memory",
                         j.ok and ten_m <= TARGET_AUDIT_S))
        else:
            rows.append((j.label, f"{j.seconds:.1f} s, peak RSS {j.peak_mb:.0f} MB; {j.detail}",
                         f"≤ {TARGET_JOB_S:.0f} s", j.ok and j.seconds <= TARGET_JOB_S))
    if run.cluster is not None:
        rows += cluster_rows(run.cluster, TARGET_P95_MS, TARGET_WRITE_P95_MS)
    lines = ["| figure | measured | target | met |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {mark(d)} |" for a, b, c, d in rows]
    return lines


def write_lines(run: Run) -> list[str]:
    if run.writes is None:
        return []
    lines = ["| scenario | outcome | count |", "|---|---|---:|"]
    for (scenario, outcome), n in sorted(run.writes.outcomes.items()):
        lines.append(f"| {scenario} | {outcome} | {n:,} |")
    if run.write_log_errors:
        lines.append(f"| (server log) | 'database is locked' or a traceback | {run.write_log_errors} |")
    examples = [f"- {k}: `{v}`" for k, v in sorted(run.writes.samples.items()) if "error" in k or "HTTP" in k]
    return lines + (["", "First example of each error:", *examples] if examples else [])


def statement_counts(db: str, quick: bool, pg_url: str) -> dict[str, float]:
    """SQL statements per warm request of each page, counted in-process by profile_pages.py."""
    args = [python_bin(), str(Path(__file__).with_name("profile_pages.py")), "--db", db, "--repeat", "3", "--json",
            "--pg-url", pg_url, *(["--quick"] if quick else [])]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("PAGEJSON "):
            return {label: f["statements"] for label, f in json.loads(line[9:]).items()}
    print("statement counts unavailable: " + (done.stderr or done.stdout)[-300:])
    return {}


def _load(values: tuple[float, ...]) -> str:
    return "/".join(f"{v:.1f}" for v in values) if values else "?"


def markdown(run: Run) -> str:
    when = run.started.strftime("%Y-%m-%d %H:%M UTC")
    sizes = ", ".join(f"{k} {v:,}" for k, v in run.sizes.items())
    counts = ", ".join(f"{k} {v:,}" for k, v in run.counts.items())
    seed = ("reused" if run.reused else "seeded") + (
        f" (seeding took {run.seed_seconds:.0f} s)" if run.seed_seconds is not None else "")
    out = [
        f"# Benchmark {when} — {run.extras.get('database', run.db)}{' (quick)' if run.quick else ''}",
        "",
        f"- Machine: {machine()}; load average (1/5/15 min, /proc/loadavg) {_load(run.load_before)} at start, "
        f"{_load(run.load_after)} at end (above ~2 means other work shared the 2 cores)",
        f"- Database: {run.extras.get('database', run.db)}, size {run.extras.get('db size', '?')}; data {seed}",
        f"- Requested sizes: {sizes}",
        f"- Rows: {counts}",
        f"- Pages: {run.tool}, {CONNECTIONS} connections, {run.duration:g} s per page; gunicorn sync workers "
        f"× {os.cpu_count()} on 127.0.0.1; peak worker RSS {run.extras.get('peak worker RSS', '?')}",
        f"- Writes: {run.write_clients} clients (threads with their own signed-in sessions) for "
        f"{run.write_seconds:g} s against the same server, each POST through the page's own form",
        "- Exports: each in a fresh process (one worker's work), read to the last byte; heavy jobs each in "
        "a process of its own, peak RSS from wait4",
        "- SQL/req: statements a warm request sends, counted in-process (tests/perf/profile_pages.py)",
        "- Multi-process run (tests/perf/bench_cluster.py): gunicorn × 4, `flask outbox run` × 2 delivering to the "
        "platform sandbox over HTTP and `flask jobs run` (every scheduled job at start) against the same database, "
        "while wrk requests the whole page mix at 16 connections, then 16 clients write; the outbox then drains",
        "",
        "## Targets (issue 16)",
        "",
        *summary_lines(run),
        "",
        "## Pages",
        "",
        *table_lines(run),
        "",
    ]
    if run.writes is not None:
        out += ["## Writes under load", "", *write_lines(run), ""]
    return "\n".join(out) + "\n"


def write_results(run: Run) -> Path:
    RESULTS.mkdir(exist_ok=True)
    name = f"{run.started:%Y-%m-%d-%H%M}-{run.db}{'-quick' if run.quick else ''}.md"
    path = RESULTS / name
    text = markdown(run)
    path.write_text(text)
    (RESULTS / "LATEST.md").write_text(f"<!-- copy of {name} -->\n" + text)
    return path


# --- main ----------------------------------------------------------------------------------------
def fill(path: str, facts: dict[str, str]) -> str | None:
    """The path with its placeholders filled from the data; None when the data has no such row."""
    try:
        return path.format(**facts)
    except KeyError:
        return None


def cluster_run(run: Run, url: str, env: dict, facts: dict, token: str | None, wrk: str | None,
                seconds: float) -> ClusterResult:
    """The multi-process run of tests/perf/bench_cluster.py with this bench's server, sign-in and page mix."""
    if wrk is None:
        return ClusterResult(error="wrk is missing")
    mix = [(fill(raw, facts), who) for label, raw, who in PAGES if label not in (BASELINE, BASELINE_END)]
    mix = [(path, who) for path, who in mix if path is not None]

    def sign_in(base: str, who: str) -> dict | None:
        if who.startswith("api:"):
            return {"Authorization": f"Bearer {token}"} if token else None
        cookie = login(base, who)
        return {"Cookie": cookie} if cookie else None

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            users = pick_users(conn)
        return run_cluster(python=python_bin(), root=ROOT, var=VAR, env=env, engine=engine,
                           start_server=lambda workers, extra: Server(url, workers, extra), sign_in=sign_in,
                           mix=mix, users=users, password=DEMO_PASSWORD, wrk_bin=wrk, seconds_pages=seconds / 2,
                           seconds_writes=seconds / 2, connections=CONNECTIONS, log_errors=server_log_errors)
    finally:
        engine.dispose()


def server_log_errors() -> int:
    """Lines of the server log that tell of a failed request: a traceback or a locked database."""
    path = VAR / "gunicorn.log"
    if not path.exists():
        return 0
    text = path.read_text(errors="replace")
    return text.count("database is locked") + text.count("Traceback (most recent call last)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="small data, 3 s per page (trial runs)")
    parser.add_argument("--duration", type=float, help="seconds per page (default 5, quick 2)")
    parser.add_argument("--write-seconds", type=float, help="seconds of writes under load (default 60, quick 15)")
    parser.add_argument("--reseed", action="store_true", help="rebuild the bench database")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432"))
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator, not wrk")
    parser.add_argument("--no-write", action="store_true", help="print only; do not write bench-results/")
    parser.add_argument("--audit-rows", type=int, help="audit-chain rows in the bench data (default 1,000,000, "
                        "quick 50,000; 10000000 for the province target, long to seed on 2 cores)")
    parser.add_argument("--only", help="comma-separated page labels to run (the baseline always runs)")
    parser.add_argument("--export-timeout", type=float, help="seconds before an export is stopped (240, quick 120)")
    parser.add_argument("--skip", default="",
                        help="comma-separated parts to leave out: pages,writes,exports,jobs,cluster")
    parser.add_argument("--cluster-seconds", type=float,
                        help="seconds of the multi-process run, half pages, half writes (default 180, quick 40)")
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}

    sizes = dict(QUICK_SIZES if args.quick else FULL_SIZES)
    if args.audit_rows is not None:
        sizes["audit-rows"] = args.audit_rows
    run = Run(db=args.db, quick=args.quick, sizes=sizes, duration=args.duration or (2 if args.quick else 5))
    run.write_seconds = args.write_seconds or (15 if args.quick else 60)
    url = database_url(args.db, args.quick, args.pg_url)
    if args.db == "postgres":
        ensure_pg_database(url, recreate=False)
    prepare_database(run, url, args.reseed)
    facts, run.counts, run.extras["db size"] = data_facts(url)
    run.extras["database"] = database_version(url)
    wrk = None if args.python_load else ensure_wrk()
    run.tool = "wrk" if wrk else "Python threads"
    token = api_token(url, "regulator") if any((w or "").startswith("api:") for _, _, w in PAGES) else None
    env = app_env(url, "bench")

    # Heavy jobs first: the alert scan and the scoring period make the data the pages then show.
    if "jobs" not in skip:
        print("heavy jobs ...", flush=True)
        outbox_db = None
        if args.db == "postgres":
            outbox_db = database_url("postgres", False, args.pg_url) + "_outbox"
            ensure_pg_database(outbox_db, recreate=True)
        run.jobs = run_jobs(python_bin(), ROOT, app_env(url, "development"), SCORING_SNIPPET,
                            sizes.get("audit-rows", 0), outbox_db, 2000 if args.quick else 6000)
        facts = data_facts(url)[0]  # the period the scoring job computed has a page now
    facts["score_id"] = first_score_id(url, facts.get("firm_id", "0"))

    statements = {}
    if "pages" not in skip:
        print("statements per page ...", flush=True)
        statements = statement_counts(args.db, args.quick, args.pg_url)

    server = Server(url, workers=os.cpu_count() or 1)
    try:
        server.wait_ready()
        server.start_sampling()
        cookies: dict[str, str | None] = {}
        only = {s.strip() for s in args.only.split(",")} if args.only else None
        # The baseline runs first and again last, so drift in the machine's load shows up.
        pages = [] if "pages" in skip else [*PAGES, (BASELINE_END, PAGES[0][1], PAGES[0][2])]
        for label, raw_path, who in pages:
            if only and label not in only and label not in (BASELINE, BASELINE_END):
                continue
            path = fill(raw_path, facts)
            result = PageResult(label, path or raw_path, who)
            headers: dict[str, str] = {}
            if path is None:
                result.state = "no data"
            elif who and who.startswith("api:"):
                if token is None:
                    result.state = "no token"
                else:
                    headers["Authorization"] = f"Bearer {token}"
            elif who:
                if who not in cookies:
                    cookies[who] = login(server.base, who)
                if cookies[who] is None:
                    result.state = "no login"
                else:
                    headers["Cookie"] = cookies[who]
            if result.state == "ok":
                result.state = probe(server.base, path, headers)
            if result.state == "ok":
                print(f"  {label:<30} {path} ...", flush=True)
                if wrk:
                    figures = run_wrk(wrk, server.base + path, headers, run.duration, CONNECTIONS)
                else:
                    figures = run_python_load(server.base, path, headers, run.duration, CONNECTIONS)
                for name, value in figures.items():
                    setattr(result, name, value)
            else:
                print(f"  {label:<30} {path}: {result.state}", flush=True)
            result.statements = statements.get(label)
            run.pages.append(result)
        server.sample_rss()
        run.extras["peak worker RSS"] = f"{server.peak_rss_mb:.0f} MB (target ≤ {TARGET_RSS_MB:.0f} MB)"

        if "writes" not in skip:
            print(f"writes under load, {run.write_seconds:g} s ...", flush=True)
            before = server_log_errors()
            engine = make_engine(url)
            with engine.connect() as conn:
                users = pick_users(conn)
            engine.dispose()
            run.writes, run.write_clients = run_writes(server.base, users, DEMO_PASSWORD, run.write_seconds)
            time.sleep(0.5)
            run.write_log_errors = server_log_errors() - before
    finally:
        server.stop()

    if "exports" not in skip:
        print("exports ...", flush=True)
        run.exports = run_exports(python_bin(), ROOT, env, facts, run.counts, DEMO_PASSWORD,
                                  timeout=args.export_timeout or (120 if args.quick else 240))

    if "cluster" not in skip:
        print("multi-process run ...", flush=True)
        run.cluster = cluster_run(run, url, env, facts, token, wrk,
                                  args.cluster_seconds or (40 if args.quick else 180))

    run.load_after = os.getloadavg()
    base_runs = [p.rps for p in run.pages if p.label in (BASELINE, BASELINE_END) and p.state == "ok"]
    base_rps = statistics.mean(base_runs) if base_runs else None
    for p in run.pages:
        if base_rps and p.state == "ok":
            p.ratio = p.rps / base_rps

    text = markdown(run)
    print()
    print(text)
    if not args.no_write:
        print(f"written to {write_results(run).relative_to(ROOT)} and bench-results/LATEST.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
