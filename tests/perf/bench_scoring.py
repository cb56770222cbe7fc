"""Benchmark: one scoring-period run on province-scale evidence (DESIGN §7), on SQLite or PostgreSQL.

    .venv/bin/python tests/perf/bench_scoring.py --db sqlite
    .venv/bin/python tests/perf/bench_scoring.py --db postgres [--url postgresql+psycopg://...]

Generates 600 firms, 3,000 agencies, 100,000 projects (with staff, changes, acceptances), 1,000,000
feedback rows, inspections, rectification orders, incidents and penalties with bulk inserts
(executemany on SQLite, COPY on PostgreSQL), then times running a quarter and a year, and re-running
the quarter (which must change nothing). Target: a period run under 10 s on a 2-core machine.
Not collected by pytest (tests/perf is in norecursedirs).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

FIRMS, AGENCIES, PROJECTS, FEEDBACK = 600, 3000, 100_000, 1_000_000
STAFF_PER_FIRM, STAFF_PER_PROJECT = 12, 2
FIRST_DAY = date(2025, 1, 1)
SPAN_DAYS = 730  # two years of history, so a quarter holds about an eighth of it


def _app(url: str):
    from portal import create_app

    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                       "SECRET_KEY": "bench", "PASSWORD_HASH_FAST": True,
                       "UPLOAD_DIR": tempfile.mkdtemp(prefix="bench-uploads-")})


def _reset(app) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from portal.extensions import db

    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade()


class Loader:
    """Bulk rows into a table: COPY on PostgreSQL, executemany on SQLite, in the columns' own formats."""

    def __init__(self, engine):
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"

    def _value(self, column, value):
        from sqlalchemy import JSON, Boolean, DateTime

        if value is None:
            return None
        if isinstance(column.type, JSON):
            return json.dumps(value)
        if self.pg:
            return value
        if isinstance(column.type, Boolean):
            return int(value)
        if isinstance(column.type, DateTime):
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite storage format
        if isinstance(value, date):
            return value.isoformat()
        return value

    def load(self, table, columns: list[str], rows) -> int:
        # NOT NULL columns the caller left out take the model's default, so rows stay short to write.
        extra = [c for c in table.columns if c.name not in columns and not c.nullable and c.default is not None]
        fill = tuple(c.default.arg(None) if c.default.is_callable else c.default.arg for c in extra)
        if extra:
            columns = [*columns, *(c.name for c in extra)]
            rows = (tuple(row) + fill for row in rows)
        cols = [table.c[name] for name in columns]
        n = 0
        # Build secondary indexes after the load: one sort each instead of a million random inserts.
        indexes = list(getattr(table, "indexes", ()))
        for index in indexes:
            index.drop(self.engine)
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if not self.pg:
                cursor.execute("PRAGMA synchronous=OFF")
            if self.pg:
                names = ", ".join(f'"{c}"' for c in columns)
                with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row([self._value(c, v) for c, v in zip(cols, row, strict=True)])
                        n += 1
            else:
                sql = f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
                batch = []
                for row in rows:
                    batch.append([self._value(c, v) for c, v in zip(cols, row, strict=True)])
                    if len(batch) == 50_000:
                        cursor.executemany(sql, batch)
                        n += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    n += len(batch)
            raw.commit()
        finally:
            raw.close()
        for index in indexes:
            index.create(self.engine)
        return n


def _at(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, rng.randrange(0, 24), rng.randrange(60))


def generate(app, seed: int = 2026) -> dict[str, int]:
    from portal.extensions import db
    from portal.feedback.models import Feedback
    from portal.filings.models import ChangeFiling, ProjectFiling, filing_staff
    from portal.firms.models import Firm, StaffMember
    from portal.incidents.models import Incident
    from portal.orgs.models import Agency
    from portal.supervision.models import (
        ChecklistItem,
        ChecklistTemplate,
        Inspection,
        InspectionResult,
        LiaisonConfirmation,
        PenaltyCase,
        RectificationOrder,
    )

    rng = random.Random(seed)
    load = Loader(db.engine).load
    now = datetime(2026, 11, 1)
    districts = ["510502", "510503", "510504", "510521", "510522", "510524", "510525"]
    counts: dict[str, int] = {}
    # Each firm has a quality level so the grades spread out.
    level = [rng.random() for _ in range(FIRMS)]

    counts["firm"] = load(Firm.__table__, [
        "id", "uscc", "name", "legal_representative", "registered_address", "operating_address",
        "district_code", "business_scope", "service_types", "premises_ownership", "premises_security",
        "equipment_summary", "management_systems", "liaison_name", "liaison_email", "status", "status_reason",
        "good_standing", "focus_supervision", "inspection_weight", "verification_status", "verification_note",
        "version_id", "created_at", "updated_at"],
        ((i, f"91{i:016d}", f"Bench Firm {i}", "Rep", "", "", districts[i % 7], "", ["digitisation"], "", "",
          "", "", "", "", "active", "", False, False, 1, "not_checked", "", 1, now, now)
         for i in range(1, FIRMS + 1)))
    counts["agency"] = load(Agency.__table__, [
        "id", "uscc", "name", "district_code", "agency_type", "contact_name", "created_at", "updated_at"],
        ((i, f"11{i:016d}", f"Bench Agency {i}", districts[i % 7], "", "", now, now)
         for i in range(1, AGENCIES + 1)))
    staff_rows = []
    for f in range(1, FIRMS + 1):
        for k in range(STAFF_PER_FIRM):
            sid = (f - 1) * STAFF_PER_FIRM + k + 1
            ok = rng.random() < 0.6 + 0.4 * level[f - 1]
            staff_rows.append((sid, f, f"Worker {sid}", "enc", f"{sid:064d}", "operator",
                               date(2024, 6, 1), date(2024, 6, 2) if ok else None, 5 if ok else 2, ok, True, True,
                               now, now))
    counts["staff_member"] = load(StaffMember.__table__, [
        "id", "firm_id", "name", "id_number_enc", "id_number_hash", "role", "contract_date", "commitment_date",
        "training_days", "assessment_passed", "background_checked", "active", "created_at", "updated_at"],
        staff_rows)

    projects, staff_links, project_firm = [], [], {}
    states = ["registered", "in_progress", "completed", "accepted", "closed"]
    for p in range(1, PROJECTS + 1):
        f = rng.randrange(1, FIRMS + 1)
        q = level[f - 1]
        start = FIRST_DAY + timedelta(days=rng.randrange(SPAN_DAYS))
        end = start + timedelta(days=rng.randrange(30, 150))
        status = rng.choice(states)
        late = rng.random() > 0.75 + 0.25 * q
        submitted = _at(start + timedelta(days=2 if late else -rng.randrange(1, 20)), rng)
        completed = accepted = None
        attempts, sample, rate = 0, None, None
        if status in ("completed", "accepted", "closed"):
            completed = _at(end + timedelta(days=rng.randrange(-10, 10 if q > 0.5 else 25)), rng)
        if status in ("accepted", "closed"):
            accepted = completed + timedelta(days=rng.randrange(1, 20))
            attempts = 1 if rng.random() < 0.5 + 0.5 * q else rng.randrange(2, 4)
            sample = rng.randrange(20, 400)
            rate = round(80 + 20 * min(1.0, q + rng.random() * 0.2), 2)
        project_firm[p] = f
        projects.append((p, f"LZWB-B-{p:07d}", f, rng.randrange(1, AGENCIES + 1), districts[f % 7],
                         f"Project {p}", status, "", "", "", "", ["digitisation"], "", {}, False,
                         "agency_premises", "", "", "", "", "", "", "", "", "", "", "", {}, start, end, late,
                         submitted, completed, accepted, {}, False, sample, rate, attempts, "", 1, now, now))
        for k in rng.sample(range(STAFF_PER_FIRM), STAFF_PER_PROJECT):
            staff_links.append((p, (f - 1) * STAFF_PER_FIRM + k + 1))
    counts["project_filing"] = load(ProjectFiling.__table__, [
        "id", "number", "firm_id", "agency_id", "district_code", "title", "status", "contract_number",
        "contract_scope", "quality_standard", "technical_standard", "service_types", "archive_categories",
        "quantities", "non_classified_declared", "site_type", "site_address", "off_site_reason",
        "off_site_safeguards", "plan_goals", "plan_procedure", "plan_hardware_software", "plan_staffing",
        "plan_indicators", "plan_acceptance_basis", "plan_security", "plan_risk_control", "security_checklist",
        "start_date", "end_date", "is_late", "submitted_at", "completed_at", "accepted_at",
        "delivered_quantities", "data_wipe_confirmed", "acceptance_sample_size", "acceptance_pass_rate",
        "acceptance_attempts", "acceptance_opinion", "version_id", "created_at", "updated_at"], projects)
    counts["filing_staff"] = load(filing_staff, ["filing_id", "staff_id"], staff_links)
    del projects, staff_links

    counts["change_filing"] = load(ChangeFiling.__table__, [
        "id", "filing_id", "change_type", "status", "before", "after", "reason", "is_late", "version_id",
        "created_at", "updated_at"],
        ((i, p, "staff", "approved", {}, {}, "", rng.random() > 0.8 + 0.2 * level[project_firm[p] - 1], 1,
          _at(FIRST_DAY + timedelta(days=rng.randrange(SPAN_DAYS)), rng), now)
         for i, p in enumerate(rng.sample(range(1, PROJECTS + 1), 20_000), start=1)))

    def feedback_rows():
        for i in range(1, FEEDBACK + 1):
            p = rng.randrange(1, PROJECTS + 1)
            f = project_firm[p]
            base = 1 + 4 * level[f - 1]
            r = [max(1, min(5, round(base + rng.uniform(-1.5, 1.5)))) for _ in range(5)]
            day = FIRST_DAY + timedelta(days=rng.randrange(SPAN_DAYS))
            yield (i, p, rng.randrange(1, AGENCIES + 1), f, f"k{i}", "milestone", *r, "", True, "portal", 0,
                   _at(day, rng), now)

    t = time.perf_counter()
    counts["feedback"] = load(Feedback.__table__, [
        "id", "filing_id", "agency_id", "firm_id", "period_key", "kind", "quality", "timeliness", "security",
        "conduct", "communication", "narrative", "hire_again", "source", "edit_count", "created_at",
        "updated_at"], feedback_rows())
    print(f"  feedback rows loaded in {time.perf_counter() - t:.1f} s")

    load(ChecklistTemplate.__table__, ["id", "service_type", "name", "version", "active", "created_at",
                                       "updated_at"], [(1, "digitisation", "Bench", 1, True, now, now)])
    load(ChecklistItem.__table__, ["id", "template_id", "code", "text", "basis", "is_security", "position"],
         [(k, 1, f"S{k}", "item", "", k <= 6, k) for k in range(1, 11)])
    inspections, results = [], []
    for i in range(1, 6001):
        f = rng.randrange(1, FIRMS + 1)
        day = FIRST_DAY + timedelta(days=rng.randrange(SPAN_DAYS))
        refused = rng.random() < 0.003
        inspections.append((i, f, districts[f % 7], "planned", "checked", day, None if refused else _at(day, rng),
                            "", refused, False, 1, now, now))
        if not refused:
            for k in range(1, 11):
                ok = rng.random() < 0.7 + 0.3 * level[f - 1]
                results.append(((i - 1) * 10 + k, i, k, "pass" if ok else "fail", k <= 6, ""))
    counts["inspection"] = load(Inspection.__table__, [
        "id", "firm_id", "district_code", "kind", "status", "planned_on", "checked_at", "findings", "refused",
        "published", "version_id", "created_at", "updated_at"], inspections)
    counts["inspection_result"] = load(InspectionResult.__table__, [
        "id", "inspection_id", "item_id", "result", "is_security", "note"], results)

    orders = []
    for i in range(1, 4001):
        f = rng.randrange(1, FIRMS + 1)
        deadline = FIRST_DAY + timedelta(days=rng.randrange(SPAN_DAYS))
        roll = rng.random()
        status = "verified" if roll < 0.85 + 0.14 * level[f - 1] else ("overdue" if roll < 0.995 else "escalated")
        closed = _at(deadline + timedelta(days=rng.randrange(-20, 5)), rng) if status == "verified" else None
        orders.append((i, f"ZG-B-{i:06d}", f, districts[f % 7], [], "fix", deadline, status,
                       _at(deadline - timedelta(days=30), rng), closed, rng.random() < 0.002, 1, now, now))
    counts["rectification_order"] = load(RectificationOrder.__table__, [
        "id", "number", "firm_id", "district_code", "items", "requirement", "deadline", "status", "issued_at",
        "closed_at", "refused", "version_id", "created_at", "updated_at"], orders)

    kinds = ["device_media_violation", "personnel_violation", "other", "loss", "leak"]
    counts["incident"] = load(Incident.__table__, [
        "id", "firm_id", "district_code", "incident_type", "severity", "occurred_at", "description", "status",
        "reporter_role", "conclusion", "veto", "version_id", "decided_at", "created_at", "updated_at"],
        [(i, f, districts[f % 7], rng.choices(kinds, (40, 30, 25, 3, 2))[0], "medium", _at(day, rng), "x",
          rng.choice(["upheld", "not_upheld"]), "agency", "", False, 1, _at(day + timedelta(days=10), rng), now, now)
         for i in range(1, 1501)
         for f, day in [(rng.randrange(1, FIRMS + 1), FIRST_DAY + timedelta(days=rng.randrange(SPAN_DAYS)))]])
    counts["penalty_case"] = load(PenaltyCase.__table__, [
        "id", "firm_id", "legal_basis", "decision", "decided_on", "created_at"],
        [(i, rng.randrange(1, FIRMS + 1), "Art. 48", "fine", FIRST_DAY + timedelta(days=rng.randrange(SPAN_DAYS)),
          now) for i in range(1, 41)])
    liaison = [(n, f, q, {}, now) for n, (f, q) in enumerate(
        ((f, q) for f in range(1, FIRMS + 1) for q in ("2026Q1", "2026Q2", "2026Q3", "2026Q4")
         if rng.random() < 0.9), start=1)]
    counts["liaison_confirmation"] = load(LiaisonConfirmation.__table__, [
        "id", "firm_id", "quarter", "contacts", "confirmed_at"], liaison)

    from sqlalchemy import text

    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            for table in counts:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))") if table != "filing_staff" else text("SELECT 1"))
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    return counts


def run(app) -> None:
    from sqlalchemy import func, select

    from portal.core.context import Actor, set_actor
    from portal.extensions import db
    from portal.scoring import service as scoring
    from portal.scoring.models import FirmScore

    set_actor(Actor(username="bench", roles=("regulator", "lead")))
    figures = []
    for label in ("2026Q3", "2026"):
        period = scoring.open_period(label)
        t = time.perf_counter()
        summary = scoring.run_period(period.id, before_end=True)  # the year may still be running
        elapsed = time.perf_counter() - t
        figures.append((label, elapsed, summary))
        print(f"  run {label:7s}: {elapsed:6.2f} s  firms={summary.firms} rated={summary.rated} "
              f"not_rated={summary.not_rated} written={summary.changed} evidence_queries={summary.queries}")
        t = time.perf_counter()
        again = scoring.run_period(period.id, before_end=True)
        print(f"  re-run {label:4s}: {time.perf_counter() - t:6.2f} s  written={again.changed} (must be 0)")
        assert again.changed == 0
        grades = dict(db.session.execute(select(FirmScore.grade, func.count()).where(
            FirmScore.period_id == period.id).group_by(FirmScore.grade)).all())
        print(f"  grades {label}: {dict(sorted((str(k), v) for k, v in grades.items()))}")
    slowest = max(f[1] for f in figures)
    print(f"slowest period run: {slowest:.2f} s (target < 10 s): {'OK' if slowest < 10 else 'TOO SLOW'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--url", help="database URL (PostgreSQL); default BENCH_DATABASE_URL or scoreint_bench")
    args = parser.parse_args()
    if args.db == "postgres":
        url = args.url or os.environ.get("BENCH_DATABASE_URL",
                                         "postgresql+psycopg://postgres@127.0.0.1:5432/scoreint_bench")
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-scoring-')}/bench.db"
    app = _app(url)
    with app.app_context():
        print(f"database: {args.db} ({url.split('@')[-1]})")
        t = time.perf_counter()
        _reset(app)
        counts = generate(app)
        print(f"generated in {time.perf_counter() - t:.1f} s: "
              + ", ".join(f"{k}={v:,}" for k, v in counts.items()))
        run(app)


if __name__ == "__main__":
    main()
