"""Demo data (`flask seed-demo`): fictional Luzhou firms, agencies, offices and accounts, then each
area's records. Idempotent; refused under Production."""
from __future__ import annotations

import random

from sqlalchemy import func, select

from portal.auth.models import User
from portal.core import transactions
from portal.extensions import db

DEMO_PASSWORD = "Demo#2026pass"
SEED = 20261125


def database_is_empty() -> bool:
    return (db.session.scalar(select(func.count(User.id))) or 0) == 0


def seed_demo(echo=print, skip: tuple[str, ...] = ()) -> None:
    """Create everything DESIGN §6 promises; each step skips what already exists (or is named in `skip`)."""
    from portal.seed import orgs

    rng = random.Random(SEED)
    steps = [("organisations and accounts", orgs.seed)]
    steps += _area_steps()
    for label, step in steps:
        if label in skip:
            continue
        echo(f"seeding {label} ...")
        step(rng)
        transactions.commit()
    echo("demo data ready")


def _area_steps():
    """Later areas add their seeding step here, in dependency order."""
    from portal.seed import feedback, filings, firms, scoring, sitechecks, supervision

    return [
        ("firm rosters, certificates and applications", firms.seed),
        ("project filings", filings.seed),
        ("feedback and incidents", feedback.seed),
        ("supervision", supervision.seed),
        ("site checks", sitechecks.seed),
        ("scoring periods and results", scoring.seed),  # last: it scores the other areas' evidence
    ]
