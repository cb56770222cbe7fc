"""The unit of work (portal.core.transactions): the one version check and the one commit."""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.core import transactions
from portal.core.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.firms.models import Firm

PORTAL = Path(__file__).resolve().parents[2] / "portal"
# The only module that may call session.commit(): every other write goes through it.
COMMITS_ALLOWED = {"core/transactions.py"}


@pytest.mark.parametrize("submitted", ["abc", "", "  ", "1.0", "-3", "٣", "4", 4, True, "9" * 40])
def test_a_posted_version_that_is_not_the_current_one_is_a_conflict(submitted):
    record = SimpleNamespace(version_id=3)
    with pytest.raises(Conflict) as refused:
        transactions.check_version(record, submitted)
    assert refused.value.message == transactions.CONFLICT_MESSAGE


@pytest.mark.parametrize("submitted", ["3", " 3 ", 3, None])
def test_the_current_version_or_none_given_passes(submitted):
    transactions.check_version(SimpleNamespace(version_id=3), submitted)


def test_commit_turns_a_unique_index_race_into_a_conflict_and_rolls_back(app, build):
    firm = build.firm()
    db.session.add(Firm(**{c.name: getattr(firm, c.name) for c in Firm.__table__.columns if c.name != "id"}))
    with pytest.raises(Conflict):
        transactions.commit()
    assert db.session.scalars(select(Firm)).all() == [firm]


def test_commit_raises_the_callers_error_when_given(app, build):
    firm = build.firm()
    db.session.add(Firm(**{c.name: getattr(firm, c.name) for c in Firm.__table__.columns if c.name != "id"}))
    refused = ValidationFailed({"uscc": ["taken"]})
    with pytest.raises(ValidationFailed) as raised:
        transactions.commit(refused=refused)
    assert raised.value is refused


def test_unit_of_work_commits_at_the_end_and_rolls_back_on_error(app, build):
    firm = build.firm(name="Before")
    with pytest.raises(RuntimeError), transactions.unit_of_work():
        firm.name = "Half-done"
        raise RuntimeError("boom")
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).name == "Before"
    with transactions.unit_of_work():
        db.session.get(Firm, firm.id).name = "After"
    db.session.rollback()  # nothing left to undo: the block committed
    assert db.session.get(Firm, firm.id).name == "After"


def _python_files(pattern: str):
    return sorted(PORTAL.glob(pattern))


def test_views_and_api_never_commit():
    offenders = [str(p.relative_to(PORTAL)) for p in _python_files("**/views.py") + _python_files("**/api.py")
                 if re.search(r"\.commit\(", p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_session_commit_lives_only_in_the_unit_of_work():
    offenders = [str(p.relative_to(PORTAL)) for p in _python_files("**/*.py")
                 if "session.commit(" in p.read_text(encoding="utf-8")
                 and str(p.relative_to(PORTAL)) not in COMMITS_ALLOWED]
    assert offenders == []


def test_there_is_one_version_check():
    copies = [str(p.relative_to(PORTAL)) for p in _python_files("**/*.py")
              if re.search(r"def _?check_version\(|!= \w+\.version_id|\.version_id != ", p.read_text(encoding="utf-8"))]
    assert copies == ["core/transactions.py"]
