"""The one unit of work: every write commits here, and the optimistic-lock version check lives here.

Services change objects and call `commit()` once per use case (or wrap the use case in `unit_of_work()`).
A race the database settles (a versioned row changed underneath us, a unique index refusing a twin)
becomes the one `Conflict` the web layer shows as a 409 page, with nothing saved.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.core.errors import Conflict
from portal.core.msgids import N_
from portal.extensions import db

CONFLICT_MESSAGE = N_("Someone else changed this record while you were working on it. Nothing was "
                      "overwritten; reload to see the current version.")


def parse_version(submitted) -> int | None:
    """The submitted version as a number, or None when it is missing or not a whole number."""
    if isinstance(submitted, bool):
        return None
    if isinstance(submitted, int):
        return submitted
    text = str(submitted).strip() if submitted is not None else ""
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text)


def check_version(obj, submitted) -> None:
    """Refuse the change unless `submitted` is the version of `obj` the user was looking at.

    `submitted` is what the form posted (a string, possibly empty) or a number. `None` means no version
    was given (a CLI command, an API call, a background job, a post without the field): there is
    nothing to compare, and the row's version column still guards the write at flush time. A posted
    version that is empty or not a number is refused like a stale one: we cannot tell which version
    the user saw, so we must not overwrite anything."""
    if submitted is None:
        return
    if parse_version(submitted) != obj.version_id:
        raise Conflict(CONFLICT_MESSAGE)


def commit(refused: Exception | None = None) -> None:
    """Commit the session. If the database refuses the write because of a race (a versioned row was
    changed by someone else, a unique index already holds the twin), roll back and raise `refused`,
    or the generic `Conflict`."""
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise (refused or Conflict(CONFLICT_MESSAGE)) from exc


@contextmanager
def unit_of_work(refused: Exception | None = None) -> Iterator[None]:
    """Run a block as one transaction: commit when it ends normally, roll back when it raises."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    commit(refused)
