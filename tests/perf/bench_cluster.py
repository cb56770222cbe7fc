"""The multi-process run (issue 16): the portal as the README's production section runs it, under load.

4 gunicorn workers, 2 `flask outbox run` workers delivering to the platform sandbox over real HTTP and the
scheduler (`flask jobs run`, every job of portal/jobs.py once at start, then on its interval), all at once
against one database, while, for a bounded time,
  1. 16 connections request a mix of every page of the bench (wrk, each connection cycling through them);
  2. 16 clients write through the real forms (bench_writes: feedback, filings, reviews, site checks).
Then the outbox is given a bounded time to drain and the run is judged: page p95, write p95 and errors,
5xx/tracebacks in the server log, failed jobs, outbox messages made during the run that were lost (never
applied by the platform), doubled (applied twice) or left pending, and each process's peak RSS.

The bench (tests/perf/bench.py) runs it on PostgreSQL by default; the process set-up is passed in so this
module does not import the bench."""
from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.perf import wrk
from tests.perf.bench_writes import WriteStats, run_writes
from tests.perf.sandbox_process import sandbox_process

APP_ID = "bench-cluster"
SECRET = "bench-cluster-secret-0123456789"
GUNICORN_WORKERS = 4
OUTBOX_WORKERS = 2
DRAIN_SECONDS = 60



@dataclass
class ClusterResult:
    seconds_pages: float = 0.0
    seconds_writes: float = 0.0
    pages_in_mix: int = 0
    page_figures: dict = field(default_factory=dict)  # requests, rps, p50, p95, p99, errors
    writes: WriteStats | None = None
    write_clients: int = 0
    server_log_errors: int = 0
    outbox: dict = field(default_factory=dict)  # made, delivered, pending, dead, lost, doubled, drain_s
    jobs_ran: list[str] = field(default_factory=list)
    jobs_failed: list[str] = field(default_factory=list)
    peak_rss: dict = field(default_factory=dict)  # process group -> MB
    load: tuple[float, ...] = ()
    error: str = ""


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class _RssSampler:
    """Peak RSS of each named group of processes, sampled every half second in a thread."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        self.groups = groups
        self.peak = {name: 0.0 for name in groups}
        self._on = True
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while self._on:
            for name, pids in self.groups.items():
                for pid in pids():
                    self.peak[name] = max(self.peak[name], _rss_mb(pid))
            time.sleep(0.5)

    def stop(self) -> dict[str, float]:
        self._on = False
        self._thread.join(timeout=2)
        return self.peak


def _stop(process: subprocess.Popen, seconds: float = 15) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def run_mix(wrk_bin: str, base: str, mix: list[tuple[str, dict]], duration: float, connections: int) -> dict:
    """wrk over the whole page mix; the figures of bench.run_wrk."""
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as table:
        for path, headers in mix:
            table.write(f"{path}\t{headers.get('Cookie', '')}\t{headers.get('Authorization', '')}\n")
    try:
        return wrk.run(wrk_bin, base, wrk.PAGE_MIX, {"BENCH_MIX": table.name}, duration, connections)
    finally:
        os.unlink(table.name)


def outbox_counts(engine, since_id: int) -> dict[str, int]:
    """Outbox messages made after `since_id`, by status."""
    from sqlalchemy import text

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, count(*) FROM outbox_message WHERE id > :since GROUP BY status"),
                            {"since": since_id}).all()
    return {status: n for status, n in rows}


def run_cluster(*, python: str, root: Path, var: Path, env: dict, engine, start_server: Callable,
                sign_in: Callable[[str, str], dict | None], mix: list[tuple[str, str | None]],
                users: dict, password: str, wrk_bin: str, seconds_pages: float, seconds_writes: float,
                connections: int = 16, log_errors: Callable[[], int]) -> ClusterResult:
    """Run the whole set of processes under load; `start_server(workers, extra_env)` returns the bench's
    gunicorn Server (wait_ready/stop/worker_pids/base); `sign_in(base, who)` the headers of one user."""
    from sqlalchemy import text

    result = ClusterResult(seconds_pages=seconds_pages, seconds_writes=seconds_writes)
    with engine.connect() as conn:
        since = conn.execute(text("SELECT coalesce(max(id), 0) FROM outbox_message")).scalar_one()
        # Messages already queued before the run (the seed's) are delivered by the same workers but are
        # not judged: only what the run itself made.
    config = {"app_id": APP_ID, "secret": SECRET, "synthesize_unknown_enterprises": True}
    with sandbox_process(config) as sandbox_url:
        gov_env = {"GOV_MODE": "http", "GOV_BASE_URL": sandbox_url, "GOV_APP_ID": APP_ID, "GOV_SECRET": SECRET}
        child_env = dict(env, **gov_env)
        flask = [python, "-m", "flask", "--app", "wsgi"]
        logs = {name: open(var / f"cluster-{name}.log", "w") for name in ("outbox", "jobs")}  # noqa: SIM115
        background: list[subprocess.Popen] = []
        server = start_server(GUNICORN_WORKERS, gov_env)
        try:
            server.wait_ready()
            for _ in range(OUTBOX_WORKERS):
                background.append(subprocess.Popen([*flask, "outbox", "run", "--quiet"], cwd=root, env=child_env,
                                                   stdout=logs["outbox"], stderr=subprocess.STDOUT))
            jobs = subprocess.Popen([*flask, "jobs", "run"], cwd=root, env=child_env,
                                    stdout=logs["jobs"], stderr=subprocess.STDOUT)
            background.append(jobs)
            sampler = _RssSampler({
                "gunicorn worker": server.worker_pids,
                "outbox worker": lambda: [p.pid for p in background[:OUTBOX_WORKERS] if p.poll() is None],
                "scheduler": lambda: [jobs.pid] if jobs.poll() is None else [],
            })
            before_errors = log_errors()
            headers: dict[str, dict | None] = {}
            requests_mix = []
            for path, who in mix:
                if who not in headers:
                    headers[who] = sign_in(server.base, who) if who else {}
                if headers[who] is not None:
                    requests_mix.append((path, headers[who]))
            result.pages_in_mix = len(requests_mix)
            print(f"  cluster: {len(requests_mix)} pages in the mix, {seconds_pages:g} s ...", flush=True)
            result.page_figures = run_mix(wrk_bin, server.base, requests_mix, seconds_pages, connections)
            print(f"  cluster: writes, {seconds_writes:g} s ...", flush=True)
            result.writes, result.write_clients = run_writes(server.base, users, password, seconds_writes)
            result.load = os.getloadavg()
            result.outbox = _drain(engine, since)
            time.sleep(0.5)
            result.server_log_errors = log_errors() - before_errors
            result.peak_rss = sampler.stop()
            applied = requests.get(f"{sandbox_url}/_admin/dedupe-log", timeout=30).json()["data"]
            result.outbox.update(_judge(engine, since, applied))
        except Exception as exc:  # noqa: BLE001 - reported in the table, the processes still stopped
            result.error = f"{type(exc).__name__}: {exc}"
        finally:
            for process in background:
                _stop(process)
            server.stop()
            for handle in logs.values():
                handle.close()
    jobs_log = (var / "cluster-jobs.log").read_text(errors="replace")
    result.jobs_failed = [ln.strip() for ln in jobs_log.splitlines() if ln.startswith("job ") and " failed" in ln]
    return result


def _drain(engine, since: int) -> dict:
    """Wait (bounded) until nothing the run made is pending; the counts then."""
    started = time.monotonic()
    counts = outbox_counts(engine, since)
    while counts.get("pending", 0) and time.monotonic() - started < DRAIN_SECONDS:
        time.sleep(1)
        counts = outbox_counts(engine, since)
    return {"made": sum(counts.values()), "delivered": counts.get("delivered", 0),
            "pending": counts.get("pending", 0), "dead": counts.get("dead", 0),
            "drain_s": time.monotonic() - started}


def _judge(engine, since: int, applied: dict) -> dict:
    """Lost: delivered here but never applied by the platform; doubled: applied more than once.

    An update of a case the platform never had is delivered as a creation under `<key>:create`
    (outbox_worker); an enterprise verification is a read and leaves nothing to count."""
    from sqlalchemy import text

    with engine.connect() as conn:
        keys = [k for (k,) in conn.execute(text(
            "SELECT idempotency_key FROM outbox_message WHERE id > :since AND status = 'delivered' "
            "AND kind <> 'verify_enterprise'"), {"since": since})]

    def times(key: str) -> int:
        return sum(applied.get(k, {}).get("applied", 0) for k in (key, f"{key}:create"))

    counts = [times(k) for k in keys]
    return {"lost": sum(1 for n in counts if n < 1), "doubled": sum(max(0, n - 1) for n in counts)}


def summary_rows(c: ClusterResult, p95_target: float, write_target: float) -> list[tuple[str, str, str, bool]]:
    """Rows for the bench's target table."""
    if c.error:
        return [("multi-process run", f"error: {c.error}", "runs to the end", False)]
    pf = c.page_figures
    w = c.writes or WriteStats()
    errors = w.count("error") + c.server_log_errors
    o = c.outbox
    rss = ", ".join(f"{name} {mb:.0f} MB" for name, mb in c.peak_rss.items())
    return [
        (f"multi-process: page mix ({c.pages_in_mix} pages), {GUNICORN_WORKERS} gunicorn + {OUTBOX_WORKERS} outbox "
         f"workers + scheduler, {c.seconds_pages:g} s",
         f"{pf.get('requests', 0):,} requests, {pf.get('rps', 0):.0f} req/s, p50 {pf.get('p50', 0):.0f} ms, "
         f"p95 {pf.get('p95', 0):.0f} ms, {pf.get('errors', 0)} errors",
         f"p95 ≤ {p95_target:.0f} ms, 0 errors", pf.get("errors", 1) == 0 and pf.get("p95", 1e9) <= p95_target),
        (f"multi-process: writes, {c.write_clients} clients, {c.seconds_writes:g} s",
         f"{len(w.latencies):,} writes, p95 {w.p95():.0f} ms, {errors} errors, {w.count('conflict')} conflicts (409)",
         f"0 errors, p95 ≤ {write_target:.0f} ms", errors == 0 and w.p95() <= write_target),
        ("multi-process: outbox (messages the run made)",
         f"{o.get('made', 0)} made, {o.get('delivered', 0)} delivered, {o.get('pending', 0)} pending after "
         f"{o.get('drain_s', 0):.0f} s, {o.get('dead', 0)} dead, {o.get('lost', 0)} lost, {o.get('doubled', 0)} doubled",
         "0 lost, 0 doubled, 0 pending", not (o.get("lost") or o.get("doubled") or o.get("pending"))),
        ("multi-process: scheduled jobs and memory",
         (f"{len(c.jobs_failed)} failed ({'; '.join(c.jobs_failed)[:200]})" if c.jobs_failed else "no job failed")
         + f"; peak RSS {rss}",
         "no failure, RSS ≤ 250 MB", not c.jobs_failed and all(mb <= 250 for mb in c.peak_rss.values())),
    ]
