"""Fault test of the outbox: N business changes delivered by `flask outbox run` processes that are
SIGKILLed at random while the sandbox fails calls and times out after applying them.

Passes (exit 0) when every message is delivered, none is dead or stuck, and the sandbox's dedupe log
shows each idempotency key applied exactly once. With --no-faults and several --workers it also
checks that no message was sent twice at all (no two workers delivered the same message).

    python tests/perf/fault_outbox.py                       # 2,000 messages, SQLite, 10+ kills
    python tests/perf/fault_outbox.py --db postgresql+psycopg://postgres@127.0.0.1:5432/govint_test --workers 2
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.gov.sandbox import SandboxServer  # noqa: E402

APP_ID = "fault-test"
SECRET = "fault-test-secret-0123456789"
USERS = [{"platform_user_id": f"fault-user-{i}", "name": f"Fault User {i}"} for i in range(5)]


def prepare_database(url: str):
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True}, config_name="testing")
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
    return app


def enqueue_messages(app, count: int, rng: random.Random) -> list[str]:
    """A mix of platform pushes and service-case chains (create, then updates in order)."""
    from portal.core.models import OutboxMessage

    keys: list[str] = []
    rows = []
    case = 0
    while len(rows) < count:
        if rng.random() < 0.4:
            n = len(rows)
            key = f"push:fault:{n}"
            rows.append(OutboxMessage(kind="push_message", idempotency_key=key, payload={
                "platform_user_id": rng.choice(USERS)["platform_user_id"], "template_code": "PORTAL_NOTICE",
                "params": {"message": f"change {n}"}}))
            keys.append(key)
            continue
        case += 1
        case_no = f"LZWB-FT-{case:05d}"
        statuses = ["submitted", "under_review", "registered", "in_progress"][: rng.randint(1, 4)]
        for n, status in enumerate(statuses, start=1):
            if len(rows) >= count:
                break
            key = f"case:{case}:{n}"
            if n == 1:
                payload = {"case_no": case_no, "status": status, "title": f"Fault project {case}",
                           "applicant_uscc": None}
                kind = "case_create"
            else:
                payload = {"case_no": case_no, "status": status, "title": f"Fault project {case}",
                           "applicant_uscc": None}
                kind = "case_update"
            rows.append(OutboxMessage(kind=kind, idempotency_key=key, payload=payload))
            keys.append(key)
    with app.app_context():
        from portal.core import clock

        now = clock.utcnow()
        for row in rows:
            row.status = "pending"
            row.next_attempt_at = now
            row.attempts = 0
        db.session.add_all(rows)
        db.session.commit()
    return keys


def worker_env(url: str, sandbox_url: str, read_timeout: float, lease: float) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "FLASK_CONFIG": "development",
        "DATABASE_URL": url,
        "GOV_MODE": "http",
        "GOV_BASE_URL": sandbox_url,
        "GOV_APP_ID": APP_ID,
        "GOV_SECRET": SECRET,
        "GOV_CONNECT_TIMEOUT": "1",
        "GOV_READ_TIMEOUT": str(read_timeout),
        "GOV_BREAKER_THRESHOLD": "8",
        "GOV_BREAKER_RESET_SECONDS": "0.3",
        "OUTBOX_BACKOFF_SECONDS": "0.05",
        "OUTBOX_BACKOFF_MAX_SECONDS": "0.5",
        "OUTBOX_LEASE_SECONDS": str(lease),
        "OUTBOX_MAX_ATTEMPTS": "60",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def start_worker(env: dict[str, str], batch: int, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "run", "--batch", str(batch),
         "--sleep", "0.05", "--quiet"],
        cwd=ROOT, env=env, stdout=log, stderr=log,
    )


def counts(app) -> dict[str, int]:
    from portal.core.models import OutboxMessage

    with app.app_context():
        result = dict(db.session.execute(
            select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(OutboxMessage.status)).all())
        db.session.remove()
    return result


def run(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="fault-outbox-"))
    url = args.db or f"sqlite:///{tmp / 'fault.db'}"
    app = prepare_database(url)
    keys = enqueue_messages(app, args.messages, rng)
    faults = {} if args.no_faults else {
        "error_rate": args.error_rate, "timeout_after_apply_rate": args.timeout_rate,
        "timeout_sleep_ms": int(args.read_timeout * 1000 * 3), "seed": args.seed}
    sandbox = SandboxServer({"app_id": APP_ID, "secret": SECRET, "users": USERS, "faults": faults}).start()
    env = worker_env(url, sandbox.url, args.read_timeout, args.lease)
    log = open(tmp / "workers.log", "wb")
    started = time.monotonic()
    workers = [start_worker(env, args.batch, log) for _ in range(args.workers)]
    kills = 0
    ok = False
    try:
        while time.monotonic() - started < args.deadline:
            if kills < args.kills:
                time.sleep(rng.uniform(args.kill_min, args.kill_max))
                victim = rng.randrange(len(workers))
                workers[victim].send_signal(signal.SIGKILL)
                workers[victim].wait()
                kills += 1
                workers[victim] = start_worker(env, args.batch, log)
                continue
            state = counts(app)
            if state.get("pending", 0) == 0:
                ok = True
                break
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)  # a graceful stop prints the worker's totals
        for worker in workers:
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        log.close()
    totals = [line for line in (tmp / "workers.log").read_text(errors="replace").splitlines()
              if line.startswith("outbox ")]
    elapsed = time.monotonic() - started
    state = counts(app)
    dedupe = sandbox.sandbox.platform.dedupe_log()
    requests_seen = sum(sandbox.sandbox.request_counts.values())
    sandbox.stop()

    missing = [k for k in keys if k not in dedupe]
    not_once = {k: e.applied for k, e in dedupe.items() if e.applied != 1}
    resent = {k: e.received for k, e in dedupe.items() if e.received != 1}
    extra = set(dedupe) - set(keys)
    print(f"database      : {url.split('@')[-1]}")
    print(f"messages      : {len(keys)}  workers at once: {args.workers}  kills: {kills}")
    print(f"faults        : {faults or 'none'}")
    print(f"elapsed       : {elapsed:.1f} s  contract requests to the sandbox: {requests_seen}")
    print(f"outbox states : {state}")
    for line in totals:
        print(f"last workers  : {line}")
    print(f"dedupe log    : {len(dedupe)} keys, applied≠1: {len(not_once)}, missing: {len(missing)}, "
          f"unexpected: {len(extra)}, keys received more than once (retries): {len(resent)}")
    failures = []
    if not ok or state.get("pending", 0) or state.get("dead", 0):
        failures.append("not every message was delivered")
    if state.get("delivered", 0) != len(keys):
        failures.append("delivered count differs from messages")
    if missing or not_once or extra:
        failures.append("a key was not applied exactly once")
    if args.no_faults and resent:
        failures.append(f"{len(resent)} messages were sent more than once without faults")
    if kills < args.kills:
        failures.append("fewer kills than asked")
    print("RESULT        : " + ("PASS" if not failures else "FAIL: " + "; ".join(failures)))
    return 0 if not failures else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--error-rate", type=float, default=0.3)
    parser.add_argument("--timeout-rate", type=float, default=0.05)
    parser.add_argument("--read-timeout", type=float, default=0.4)
    parser.add_argument("--lease", type=float, default=3.0, help="Claim lease of the workers (s).")
    parser.add_argument("--kill-min", type=float, default=0.5)
    parser.add_argument("--kill-max", type=float, default=2.0)
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--deadline", type=float, default=600)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--db", default=os.environ.get("FAULT_DATABASE_URL"))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
