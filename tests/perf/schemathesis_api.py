"""Run schemathesis against /api/v1/openapi.json on a live local portal with a bearer token.

Builds a throw-away SQLite database with a few firms, filings, scores and notices, starts the portal
on 127.0.0.1 (random port) in a thread, runs `st run` as a city regulator and as a firm user, prints
schemathesis' summary and exits with its status. The server stops by itself.

    python tests/perf/schemathesis_api.py [--max-examples 30]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.core import clock  # noqa: E402
from portal.extensions import db  # noqa: E402


def build_data(app) -> dict[str, str]:
    from flask_migrate import upgrade

    from portal.api import tokens as api_tokens
    from portal.scoring.models import FirmScore, RuleSetVersion, ScoringPeriod
    from portal.supervision.models import Notice, NoticeRecipient
    from tests.builders import Builder

    with app.app_context():
        upgrade()
        build = Builder(seed=11)
        firms = [build.firm(district_code=d) for d in ("510502", "510502", "510521")]
        for firm in firms:
            for status in ("submitted", "registered", "in_progress", "closed"):
                build.filing(firm=firm, status=status)
        rules = RuleSetVersion(label="v1", body="{}", is_current=True)
        db.session.add(rules)
        db.session.flush()
        for n, status in enumerate(("published", "draft")):
            period = ScoringPeriod(label=f"2026Q{n + 1}", kind="quarter", starts_on=date(2026, 1 + 3 * n, 1),
                                   ends_on=date(2026, 3 + 3 * n, 28), status=status, rule_set_id=rules.id)
            db.session.add(period)
            db.session.flush()
            for firm, grade in zip(firms, "ABC", strict=True):
                db.session.add(FirmScore(period_id=period.id, firm_id=firm.id, status="rated",
                                         total=Decimal("77.25"), grade=grade, result="ok"))
        notice = Notice(title="年度检查通知", body="请按时提交材料。", published_at=clock.utcnow())
        db.session.add(notice)
        db.session.flush()
        db.session.add(NoticeRecipient(notice_id=notice.id, firm_id=firms[0].id))
        db.session.commit()
        regulator = build.user("regulator", username="api-regulator")
        vendor = build.user("vendor", username="api-vendor", firm_id=firms[0].id)
        return {name: api_tokens.create(user.username)[0]
                for name, user in (("regulator", regulator), ("vendor", vendor))}


def run(max_examples: int, workers: int, who: tuple[str, ...] = ("regulator", "vendor")) -> int:
    from tests.govint.live import live_portal

    tmp = Path(tempfile.mkdtemp(prefix="schemathesis-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'api.db'}", "TESTING": True,
                      "PASSWORD_HASH_FAST": True, "UPLOAD_DIR": str(tmp / "uploads")}, config_name="testing")
    tokens = build_data(app)
    status = 0
    with live_portal(app) as base:
        for name, token in tokens.items():
            if name not in who:
                continue
            print(f"--- schemathesis as {name} against {base}/api/v1/openapi.json", flush=True)
            command = [
                str(Path(sys.executable).with_name("st")), "run", f"{base}/api/v1/openapi.json",
                "--header", f"Authorization: Bearer {token}",
                "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
                            "response_schema_conformance",
                "--max-examples", str(max_examples), "--workers", str(workers),
                "--phases", "examples,coverage,fuzzing", "--no-color",
            ]
            result = subprocess.run(command, cwd=tmp, capture_output=True, text=True, timeout=600)
            tail = "\n".join(result.stdout.strip().splitlines()[-120:])
            print(tail)
            if result.returncode != 0:
                print(result.stderr[-2000:])
                status = result.returncode
    print("RESULT: " + ("PASS" if status == 0 else f"FAIL (exit {status})"))
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=30)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--as", dest="who", action="append", choices=["regulator", "vendor"],
                        help="Token user(s) to test as (default both).")
    args = parser.parse_args(argv)
    return run(args.max_examples, args.workers, tuple(args.who or ("regulator", "vendor")))


if __name__ == "__main__":
    sys.exit(main())
