"""Official document numbers: sequential per kind and year, stored once, never reused, race-safe."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from portal.core import docnumbers
from portal.core.models import DocumentNumber
from portal.extensions import db


def _allocate(kind, subject_id, day):
    row = docnumbers.allocate(kind, subject_id, day)
    db.session.commit()
    return row.number


def test_numbers_run_per_kind_and_year_in_the_configured_scheme(app):
    day = date(2026, 3, 2)
    assert _allocate("inspection", 10, day) == "泸档外检〔2026〕1号"
    assert _allocate("inspection", 11, day) == "泸档外检〔2026〕2号"
    assert _allocate("rectification", 10, day) == "泸档外改〔2026〕1号"  # another kind: its own run
    assert _allocate("inspection", 12, date(2027, 1, 4)) == "泸档外检〔2027〕1号"  # a new year starts at 1
    assert _allocate("inspection", 13, day) == "泸档外检〔2026〕3号"


def test_a_document_keeps_its_number_and_numbers_are_never_reused(app):
    day = date(2026, 5, 6)
    first = _allocate("objection", 7, day)
    assert _allocate("objection", 7, date(2026, 9, 9)) == first  # asked again: the same number
    row = db.session.execute(select(DocumentNumber).where(DocumentNumber.subject_id == 7)).scalar_one()
    app.config["DOCUMENT_NUMBER_FORMAT"] = "{prefix}[{year}]-{seq}"
    try:
        assert docnumbers.allocate("objection", 7).number == first  # a new scheme does not renumber
        assert _allocate("objection", 8, day) == "泸档外复[2026]-2"
    finally:
        app.config["DOCUMENT_NUMBER_FORMAT"] = docnumbers.DEFAULT_FORMAT
    # Even if a row goes (it never should), the next number is still past every one issued.
    assert row.seq == 1
    assert _allocate("objection", 9, day) == "泸档外复〔2026〕3号"


def test_per_kind_prefix_and_unknown_kind(app):
    assert docnumbers.parse_prefixes("summons=泸档谈, bogus=X,=Y,inspection=") == {"summons": "泸档谈"}
    app.config["DOCUMENT_NUMBER_PREFIXES"] = "summons=泸档谈"
    try:
        assert _allocate("summons", 1, date(2026, 1, 5)) == "泸档谈〔2026〕1号"
        assert _allocate("negative_list", 1, date(2026, 1, 5)) == "泸档外监〔2026〕1号"  # the default prefix
    finally:
        app.config["DOCUMENT_NUMBER_PREFIXES"] = docnumbers.DEFAULT_PREFIXES
    with pytest.raises(ValueError):
        docnumbers.allocate("penalty", 1)


def test_an_allocation_rolled_back_with_its_decision_leaves_no_number(app):
    docnumbers.allocate("receipt", 3, date(2026, 2, 2))
    db.session.rollback()
    assert docnumbers.number_of("receipt", 3) is None
    assert _allocate("receipt", 4, date(2026, 2, 2)) == "泸档外备〔2026〕1号"


def test_a_taken_sequence_number_is_retried(app, monkeypatch):
    """The loser of a race (its maximum read before the winner's insert) retries with the next number."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the savepoint retry runs on PostgreSQL; SQLite serialises writers")
    day = date(2026, 4, 1)
    _allocate("inspection", 1, day)
    original = docnumbers.format_number
    calls = []

    def stale_then_real(kind, year, seq, **kw):
        calls.append(seq)
        return original(kind, year, seq, **kw)

    real_execute = db.session.execute
    stale = {"left": 1}

    def execute(statement, *args, **kwargs):
        result = real_execute(statement, *args, **kwargs)
        if stale["left"] and "max(document_number.seq)" in str(statement):
            stale["left"] -= 1

            class Stale:
                def scalar(self):
                    return 0  # as if the first number were still free

            return Stale()
        return result

    monkeypatch.setattr(docnumbers, "format_number", stale_then_real)
    monkeypatch.setattr(db.session, "execute", execute)
    row = docnumbers.allocate("inspection", 2, day)
    db.session.commit()
    assert calls == [1, 2]
    assert row.number == "泸档外检〔2026〕2号"


def test_parallel_allocations_get_gap_free_unique_numbers_on_postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (TEST_DATABASE_URL)")
    workers, each = 6, 8
    day = date(2026, 6, 1)
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    def run(worker):
        try:
            with app.app_context():
                barrier.wait()
                for i in range(each):
                    docnumbers.allocate("rectification", worker * 100 + i, day)
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    seqs = sorted(db.session.scalars(select(DocumentNumber.seq).where(DocumentNumber.kind == "rectification")))
    assert seqs == list(range(1, workers * each + 1))
