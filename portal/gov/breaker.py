"""A circuit breaker whose state lives in a pluggable store, so several processes can share one."""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, Protocol

BreakerStateName = Literal["closed", "open", "half_open"]
CLOSED: BreakerStateName = "closed"
OPEN: BreakerStateName = "open"
HALF_OPEN: BreakerStateName = "half_open"


@dataclass(frozen=True)
class BreakerRecord:
    """Stored state of one breaker. Times are wall-clock epoch seconds so processes can compare them."""

    state: BreakerStateName = CLOSED
    failures: int = 0
    opened_at: float | None = None
    trial_started_at: float | None = None


class BreakerStore(Protocol):
    """Holds breaker records by name; update must be atomic (a row lock, a Redis transaction, a mutex)."""

    def get(self, name: str) -> BreakerRecord: ...

    def update(self, name: str, change: Callable[[BreakerRecord], BreakerRecord]) -> BreakerRecord:
        """Apply change to the current record atomically, store and return the result."""
        ...


class InMemoryBreakerStore:
    """Process-local store for tests, the sandbox and single-process deployments."""

    def __init__(self) -> None:
        self._records: dict[str, BreakerRecord] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> BreakerRecord:
        with self._lock:
            return self._records.get(name, BreakerRecord())

    def update(self, name: str, change: Callable[[BreakerRecord], BreakerRecord]) -> BreakerRecord:
        with self._lock:
            record = change(self._records.get(name, BreakerRecord()))
            self._records[name] = record
            return record


class FileBreakerStore:
    """Records in one small JSON file, updated under an exclusive flock.

    For SQLite deployments without Redis: the request that calls the platform usually holds SQLite's
    write lock already (it has inserted the firm), so a database store could not record the failure
    and the breaker would never open. A file lock is independent of the database and shared by every
    process on the machine.
    """

    def __init__(self, path: str | os.PathLike[str], read_ttl: float = 0.0) -> None:
        self.path = os.fspath(path)
        self._lock = threading.Lock()  # flock is per open file; serialise this process's threads too
        # Reads may be served from memory for read_ttl seconds (every platform call reads the breaker
        # twice; another process's change is then noticed within read_ttl), as DatabaseBreakerStore does.
        self.read_ttl = read_ttl
        self._cache: dict[str, tuple[float, BreakerRecord]] = {}
        directory = os.path.dirname(self.path)
        if directory:
            os.makedirs(directory, exist_ok=True)

    def _load(self, handle) -> dict[str, dict]:
        handle.seek(0)
        raw = handle.read()
        try:
            data = json.loads(raw) if raw.strip() else {}
        except ValueError:
            data = {}  # a torn or foreign file: start closed rather than fail every call
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _record(value: dict | None) -> BreakerRecord:
        if not isinstance(value, dict):
            return BreakerRecord()
        try:
            return BreakerRecord(**value)
        except TypeError:
            return BreakerRecord()

    def get(self, name: str) -> BreakerRecord:
        with self._lock:
            cached = self._cache.get(name)
            if cached is not None and time.monotonic() - cached[0] < self.read_ttl:
                return cached[1]
            with open(self.path, "a+", encoding="utf-8") as handle:
                fcntl.flock(handle, fcntl.LOCK_SH)
                try:
                    record = self._record(self._load(handle).get(name))
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
            self._cache[name] = (time.monotonic(), record)
            return record

    def update(self, name: str, change: Callable[[BreakerRecord], BreakerRecord]) -> BreakerRecord:
        with self._lock, open(self.path, "a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                data = self._load(handle)
                record = change(self._record(data.get(name)))
                data[name] = record.__dict__
                handle.seek(0)
                handle.truncate()
                handle.write(json.dumps(data))
                handle.flush()
                self._cache[name] = (time.monotonic(), record)
                return record
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class CircuitBreaker:
    """Closed → open after failure_threshold consecutive failures; open → half-open after reset_timeout.

    In half-open one trial call goes through: success closes the breaker, failure opens it again. A
    trial that never reports back (its process died) is abandoned after another reset_timeout.
    """

    def __init__(
        self,
        name: str = "gov",
        store: BreakerStore | None = None,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if reset_timeout <= 0:
            raise ValueError("reset_timeout must be positive")
        self.name = name
        self.store: BreakerStore = store if store is not None else InMemoryBreakerStore()
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self._clock = clock

    @property
    def state(self) -> BreakerStateName:
        """The state a caller would meet now (an open breaker past its timeout reads as half-open)."""
        record = self.store.get(self.name)
        if record.state == OPEN and self._elapsed(record.opened_at) >= self.reset_timeout:
            return HALF_OPEN
        return record.state

    def allow(self) -> bool:
        """May a call go out now? In half-open, True for exactly one caller: the trial."""
        if self.store.get(self.name).state == CLOSED:
            # The common case needs no write, which matters when the store is a database row.
            return True
        decision = False

        def change(record: BreakerRecord) -> BreakerRecord:
            nonlocal decision
            now = self._clock()
            if record.state == CLOSED:
                decision = True
                return record
            if record.state == OPEN:
                if self._elapsed(record.opened_at) < self.reset_timeout:
                    return record
                decision = True
                return replace(record, state=HALF_OPEN, trial_started_at=now)
            if self._elapsed(record.trial_started_at) >= self.reset_timeout:
                decision = True
                return replace(record, trial_started_at=now)
            return record

        self.store.update(self.name, change)
        return decision

    def record_success(self) -> None:
        if self.store.get(self.name) != BreakerRecord():
            self.store.update(self.name, lambda record: BreakerRecord())

    def record_failure(self) -> None:
        def change(record: BreakerRecord) -> BreakerRecord:
            now = self._clock()
            if record.state == HALF_OPEN:
                return BreakerRecord(state=OPEN, failures=record.failures + 1, opened_at=now)
            if record.state == OPEN:
                # A straggler from before the breaker opened; keep the original opening time.
                return replace(record, failures=record.failures + 1)
            failures = record.failures + 1
            if failures >= self.failure_threshold:
                return BreakerRecord(state=OPEN, failures=failures, opened_at=now)
            return replace(record, failures=failures)

        self.store.update(self.name, change)

    def reset(self) -> None:
        self.store.update(self.name, lambda record: BreakerRecord())

    def _elapsed(self, since: float | None) -> float:
        return float("inf") if since is None else self._clock() - since
