"""Outbox delivery throughput against the sandbox: one worker, SQLite by default (target ≥ 300 msg/s).

    python tests/perf/bench_outbox.py [--messages 3000] [--concurrency 8] [--batch 400] [--db URL]
"""
from __future__ import annotations

import argparse
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
    parser.add_argument("--server", choices=["gunicorn", "werkzeug"], default="gunicorn",
                        help="How the sandbox is served (werkzeug closes every connection).")
    args = parser.parse_args(argv)

    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from portal.core.models import OutboxMessage
    from portal.integrations import gov_client
    from portal.integrations.outbox_worker import OutboxWorker

    tmp = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
    url = args.db or f"sqlite:///{tmp / 'bench.db'}"
    users = [{"platform_user_id": f"bench-{i}", "name": f"Bench {i}"} for i in range(10)]
    with sandbox_process({"app_id": APP_ID, "secret": SECRET, "users": users}, args.server) as sandbox_url:
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
            worker = OutboxWorker(app, batch=args.batch, concurrency=args.concurrency)
            started = time.perf_counter()
            stats = worker.run(once=True)
            elapsed = time.perf_counter() - started
            delivered = db.session.scalar(select(func.count(OutboxMessage.id))
                                          .where(OutboxMessage.status == "delivered"))
        log = requests.get(f"{sandbox_url}/_admin/dedupe-log", timeout=10).json()["data"]
        applied = sum(entry["applied"] for entry in log.values())
    rate = delivered / elapsed if elapsed else 0.0
    print(f"database    : {db_name(url)}")
    print(f"messages    : {args.messages} (half pushes, half case creations), batch {args.batch}, "
          f"concurrency {args.concurrency}, one worker; sandbox served by {args.server} in its own process")
    print(f"delivered   : {delivered} (platform applied {applied}); retried {stats.retried}, dead {stats.dead}")
    print(f"elapsed     : {elapsed:.2f} s")
    print(f"throughput  : {rate:.0f} messages/s (target ≥ 300)")
    return 0 if delivered == args.messages else 1


def db_name(url: str) -> str:
    return url.split("@")[-1] if "@" in url else url


if __name__ == "__main__":
    sys.exit(main())
