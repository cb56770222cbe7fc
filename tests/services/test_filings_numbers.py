"""Filing numbers LZWB-YYYY-NNNN: assigned at first submission, unique and gap-free per year."""
import threading
from datetime import date

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.extensions import db
from portal.filings import service as filings
from portal.filings.models import FilingNumberCounter, ProjectFiling
from tests.filings.builders import FilingWorld, acting_as


@pytest.fixture
def world(build):
    return FilingWorld(build)


def test_numbers_follow_each_other_from_one(world):
    year = clock.today().year
    numbers = [world.submitted().number for _ in range(3)]
    assert numbers == [f"LZWB-{year}-0001", f"LZWB-{year}-0002", f"LZWB-{year}-0003"]


def test_draft_has_no_number_and_resubmission_keeps_it(world):
    draft = world.draft()
    assert draft.number is None
    filing = world.advance(world.submitted(), "decline", "submit")
    assert filing.number.endswith("-0001")
    assert db.session.get(FilingNumberCounter, clock.today().year).last_number == 1


def test_numbers_restart_each_year(world, travel):
    first = world.submitted()
    today = clock.today()
    travel(days=(date(today.year + 1, 1, 2) - today).days)
    second = world.submitted()
    assert first.number == f"LZWB-{today.year}-0001"
    assert second.number == f"LZWB-{today.year + 1}-0001"


def test_failed_submission_gives_its_number_back(world, monkeypatch):
    world.submitted()
    failing = world.draft()
    original = filings._move

    def broken(*args, **kwargs):
        raise RuntimeError("platform exploded mid-transaction")

    monkeypatch.setattr(filings, "_move", broken)
    with acting_as(world.vendor), pytest.raises(RuntimeError):
        filings.submit_filing(failing.id)
    db.session.rollback()
    monkeypatch.setattr(filings, "_move", original)
    assert world.submitted().number.endswith("-0002")
    db.session.expire_all()
    assert db.session.get(ProjectFiling, failing.id).number is None


def test_parallel_submitters_get_gap_free_unique_numbers_on_postgresql(app, world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks under real concurrency need PostgreSQL (TEST_DATABASE_URL)")
    workers, each = 8, 10
    ids = [world.draft(title=f"Parallel {i}").id for i in range(workers * each)]
    vendor_id = world.vendor.id
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    def submit_batch(batch):
        from portal.auth.models import User

        try:
            with app.app_context():
                user = db.session.get(User, vendor_id)
                with acting_as(user):
                    barrier.wait()
                    for filing_id in batch:
                        filings.submit_filing(filing_id)
                db.session.remove()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=submit_batch, args=(ids[i::workers],)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    db.session.expire_all()
    numbers = sorted(db.session.scalars(select(ProjectFiling.number).where(ProjectFiling.id.in_(ids))))
    year = clock.today().year
    assert numbers == [f"LZWB-{year}-{n:04d}" for n in range(1, workers * each + 1)]
    assert db.session.get(FilingNumberCounter, year).last_number == workers * each
