"""Outbox delivery throughput against the sandbox over real HTTP, SQLite by default (target ≥ 500 msg/s
with 2 workers, 0 lost, 0 doubled).

    python tests/perf/bench_outbox.py [--messages 3000] [--concurrency 8] [--batch 400] [--db URL] [--workers N]

With --workers N (N > 1) the messages are delivered by N `flask outbox run --once` processes at once, as
production runs them; the throughput is then measured both from the processes' start (start-up
included) and over the delivery window (first to last `delivered_at`). Lost = messages the platform
never applied; doubled = applications beyond the first of one message (the sandbox's dedupe log).
The last line is `OUTBOXJSON {...}` for tests/perf/bench.py.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.core import clock  # noqa: E402
from portal.extensions import db  # noqa: E402
from tests.perf.sandbox_process import sandbox_process  # noqa: E402

APP_ID = "bench"
SECRET = "bench-secret-0123456789"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--db", default=None)
    parser.add_argument("--workers", type=int, default=1, help="outbox worker processes delivering at once")
    parser.add_argument("--server", choices=["gunicorn", "werkzeug"], default="gunicorn",
                        help="How the sandbox is served (werkzeug closes every connection).")
    parser.add_argument("--sandbox-port", type=int, default=0,
                        help="Serve the sandbox on this port of 127.0.0.1 (default: any free port).")
    args = parser.parse_args(argv)
    if args.sandbox_port:
        from tests.perf import sandbox_process as sandbox_module

        sandbox_module.free_port = lambda: args.sandbox_port

    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from portal.core.models import OutboxMessage
    from portal.integrations import gov_client
    from portal.integrations.outbox_worker import OutboxWorker

    tmp = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
    url = args.db or f"sqlite:///{tmp / 'bench.db'}"
    users = [{"platform_user_id": f"bench-{i}", "name": f"Bench {i}"} for i in range(10)]
    with contextlib.ExitStack() as stack:
        sandbox_url = started_sandbox(stack, {"app_id": APP_ID, "secret": SECRET, "users": users}, args.server)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "GOV_MODE": "http",
                          "GOV_BASE_URL": sandbox_url, "GOV_APP_ID": APP_ID, "GOV_SECRET": SECRET,
                          "OUTBOX_CONCURRENCY": args.concurrency}, config_name="testing")
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
            upgrade()
            now = clock.utcnow()
            rows = []
            for n in range(args.messages):
                if n % 2:
                    rows.append(OutboxMessage(kind="push_message", idempotency_key=f"push:bench:{n}", status="pending",
                                              attempts=0, next_attempt_at=now, payload={
                                                  "platform_user_id": users[n % 10]["platform_user_id"],
                                                  "template_code": "PORTAL_NOTICE", "params": {"n": n}}))
                else:
                    rows.append(OutboxMessage(kind="case_create", idempotency_key=f"case:{n}:1", status="pending",
                                              attempts=0, next_attempt_at=now, payload={
                                                  "case_no": f"BENCH-{n}", "title": f"Bench {n}",
                                                  "status": "submitted", "applicant_uscc": None}))
            db.session.add_all(rows)
            db.session.commit()
            gov_client.breaker(app).reset()
            window = None
            retried = dead = 0
            if args.workers <= 1:
                worker = OutboxWorker(app, batch=args.batch, concurrency=args.concurrency)
                started = time.perf_counter()
                stats = worker.run(once=True)
                elapsed = time.perf_counter() - started
                retried, dead = stats.retried, stats.dead
            else:
                db.session.remove()
                db.engine.dispose()
                elapsed = run_workers(url, sandbox_url, args)
                first, last = db.session.execute(select(func.min(OutboxMessage.delivered_at),
                                                        func.max(OutboxMessage.delivered_at))).one()
                window = (last - first).total_seconds() if first and last else None
            delivered = db.session.scalar(select(func.count(OutboxMessage.id))
                                          .where(OutboxMessage.status == "delivered"))
        log = requests.get(f"{sandbox_url}/_admin/dedupe-log", timeout=10).json()["data"]
        applied = sum(entry["applied"] for entry in log.values())
        applied_once = sum(1 for entry in log.values() if entry["applied"] >= 1)
    rate = delivered / elapsed if elapsed else 0.0
    lost = args.messages - applied_once
    doubled = applied - applied_once
    print(f"database    : {db_name(url)}")
    print(f"messages    : {args.messages} (half pushes, half case creations), batch {args.batch}, "
          f"concurrency {args.concurrency}, {args.workers} worker(s); sandbox served by {args.server} in its own process")
    print(f"delivered   : {delivered} (platform applied {applied}); retried {retried}, dead {dead}")
    print(f"lost/doubled: {lost} lost, {doubled} doubled")
    print(f"elapsed     : {elapsed:.2f} s" + (" (processes' start to exit, start-up included)" if window is not None else ""))
    print(f"throughput  : {rate:.0f} messages/s (target ≥ 500 with 2 workers)")
    if window:
        print(f"window      : {window:.2f} s first to last delivery: {delivered / window:.0f} messages/s")
    print("OUTBOXJSON " + json.dumps({"workers": args.workers, "messages": args.messages, "delivered": delivered,
                                      "lost": lost, "doubled": doubled, "seconds": elapsed, "rate": rate,
                                      "window_rate": delivered / window if window else None}))
    return 0 if delivered == args.messages and lost == 0 and doubled == 0 else 1


def started_sandbox(stack: contextlib.ExitStack, config: dict, server: str, tries: int = 3) -> str:
    """The sandbox's URL; its start-up probe (1 s read timeout) is tried again on a loaded machine."""
    for attempt in range(tries):
        try:
            return stack.enter_context(sandbox_process(config, server))
        except requests.Timeout:
            if attempt == tries - 1:
                raise
            time.sleep(2)
    raise AssertionError("unreachable")


def run_workers(url: str, sandbox_url: str, args) -> float:
    """N `flask outbox run --once` processes against one database; seconds from their start to the last exit."""
    env = dict(os.environ)
    env.update({"DATABASE_URL": url, "FLASK_CONFIG": "development", "GOV_MODE": "http", "GOV_BASE_URL": sandbox_url,
                "GOV_APP_ID": APP_ID, "GOV_SECRET": SECRET})
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "run", "--once", "--quiet",
               "--batch", str(args.batch), "--concurrency", str(args.concurrency)]
    started = time.perf_counter()
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL) for _ in range(args.workers)]
    for process in processes:
        process.wait(timeout=600)
    return time.perf_counter() - started


def db_name(url: str) -> str:
    return url.split("@")[-1] if "@" in url else url


if __name__ == "__main__":
    sys.exit(main())
