"""Where a page's time goes: serve the bench pages in-process against the bench database and print,
per page, the mean time, the SQL statement count and time, and (with --profile LABEL) a cProfile
listing of the slowest functions. A development aid beside `make bench`; run it after the bench has
seeded var/bench/:

    .venv/bin/python tests/perf/profile_pages.py [--db postgres] [--repeat 20] [--profile "filings list"]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.perf import bench  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", help="comma-separated page labels")
    parser.add_argument("--profile", help="page label to profile with cProfile")
    parser.add_argument("--sql", action="store_true", help="print each statement of the profiled page")
    parser.add_argument("--explain", action="store_true", help="with --profile: the plans of its 3 slowest "
                        "statements (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL)")
    parser.add_argument("--json", action="store_true", help="print one JSON object {label: {ms, statements}}")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432"))
    args = parser.parse_args(argv)

    url = bench.database_url(args.db, args.quick, args.pg_url)
    os.environ.update(bench.app_env(url, "bench"))
    os.environ["BENCH_BASELINE"] = "1"
    bench.flask(["db", "upgrade"], url)
    facts, _counts, _size = bench.data_facts(url)
    facts["score_id"] = bench.first_score_id(url, facts["firm_id"])

    from sqlalchemy import event

    from portal import create_app
    from portal.extensions import db

    app = create_app(config_name="bench")
    statements: list[tuple[str, float]] = []
    parameters: dict[str, object] = {}

    def before(conn, _cursor, _statement, _params, _context, _many):
        conn.info["t0"] = time.perf_counter()

    def after(conn, _cursor, statement, params, _context, _many):
        statements.append((statement, time.perf_counter() - conn.info.pop("t0", time.perf_counter())))
        parameters[statement] = params

    only = {s.strip() for s in args.only.split(",")} if args.only else None
    figures: dict[str, dict[str, float]] = {}
    clients: dict[str, object] = {}
    token = None
    with app.app_context():
        engine = db.engine
    # No application context stays pushed: each request must get its own `g`, as under gunicorn.
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    for label, raw_path, who in bench.PAGES:
        if only and label not in only:
            continue
        path = bench.fill(raw_path, facts)
        if path is None:  # no such row in the data
            continue
        headers = {}
        client = app.test_client()
        if who and who.startswith("api:"):
            if token is None:
                token = bench.api_token(url, who[4:])
            headers["Authorization"] = f"Bearer {token}"
        elif who:
            if who not in clients:
                clients[who] = login(app, who)
            client = clients[who]
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            if not args.json:
                print(f"{label:<22} {path}: HTTP {response.status_code}")
            continue
        statements.clear()
        profiler = cProfile.Profile() if args.profile == label else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        for _ in range(args.repeat):
            client.get(path, headers=headers)
        if profiler:
            profiler.disable()
        elapsed = (time.perf_counter() - started) / args.repeat * 1000
        sql_ms = sum(t for _, t in statements) / args.repeat * 1000
        figures[label] = {"ms": round(elapsed, 2), "statements": len(statements) / args.repeat}
        if not args.json:
            print(f"{label:<22} {elapsed:7.1f} ms/request  {len(statements) / args.repeat:5.1f} statements "
                  f"{sql_ms:7.1f} ms in SQL  {path}")
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(os.environ.get("PROFILE_FILTER", ""), 45)
            if os.environ.get("PROFILE_CALLERS"):
                pstats.Stats(profiler, stream=out).print_callers(os.environ["PROFILE_CALLERS"])
            print(out.getvalue())
        if profiler and args.sql:
            per = {}
            for statement, took in statements:
                key = " ".join(statement.split())[:300]
                count, total = per.get(key, (0, 0.0))
                per[key] = (count + 1, total + took)
            for key, (count, total) in sorted(per.items(), key=lambda kv: -kv[1][1]):
                print(f"  {total / args.repeat * 1000:7.2f} ms  x{count / args.repeat:g}  {key}")
        if profiler and args.explain:
            explain(engine, statements, parameters)
    if args.json:
        print("PAGEJSON " + json.dumps(figures))
    return 0


def explain(engine, statements: list[tuple[str, float]], parameters: dict) -> None:
    """Print the plans of the three slowest distinct statements, run with the parameters they were sent with."""
    totals: dict[str, float] = {}
    for statement, took in statements:
        totals[statement] = totals.get(statement, 0.0) + took
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    for statement, _total in sorted(totals.items(), key=lambda kv: -kv[1])[:3]:
        print("\n--- " + " ".join(statement.split())[:400])
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(prefix + statement, parameters.get(statement) or ()).all()
        for row in rows:
            print("    " + " | ".join(str(c) for c in row))


def login(app, username: str):
    client = app.test_client()
    page = client.get("/auth/login")
    import re

    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data)
    data = {"username": username, "password": bench.DEMO_PASSWORD}
    if token:
        data["csrf_token"] = token.group(1).decode()
    response = client.post("/auth/login", data=data)
    assert response.status_code in (200, 302), response.status_code
    return client



if __name__ == "__main__":
    sys.exit(main())
