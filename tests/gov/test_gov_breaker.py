"""Circuit breaker transitions, driven by an injected clock."""

from __future__ import annotations

import pytest

from portal.gov.breaker import CircuitBreaker, FileBreakerStore, InMemoryBreakerStore

from .support import FakeClock


def make(clock: FakeClock, store: InMemoryBreakerStore | None = None) -> CircuitBreaker:
    return CircuitBreaker("gov", store, failure_threshold=3, reset_timeout=30, clock=clock)


def test_opens_after_threshold_consecutive_failures(clock: FakeClock) -> None:
    breaker = make(clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.allow()


def test_a_success_resets_the_failure_count(clock: FakeClock) -> None:
    breaker = make(clock)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == "closed"


def test_stays_open_until_the_reset_timeout(clock: FakeClock) -> None:
    breaker = make(clock)
    for _ in range(3):
        breaker.record_failure()
    clock.advance(29.9)
    assert breaker.state == "open"
    assert not breaker.allow()
    clock.advance(0.1)
    assert breaker.state == "half_open"


def test_half_open_lets_exactly_one_trial_through(clock: FakeClock) -> None:
    breaker = make(clock)
    for _ in range(3):
        breaker.record_failure()
    clock.advance(30)
    assert breaker.allow()
    assert breaker.state == "half_open"
    assert not breaker.allow()


def test_successful_trial_closes(clock: FakeClock) -> None:
    breaker = make(clock)
    for _ in range(3):
        breaker.record_failure()
    clock.advance(30)
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed"
    assert breaker.allow() and breaker.allow()


def test_failed_trial_reopens_for_a_full_timeout(clock: FakeClock) -> None:
    breaker = make(clock)
    for _ in range(3):
        breaker.record_failure()
    clock.advance(30)
    assert breaker.allow()
    clock.advance(5)
    breaker.record_failure()
    assert breaker.state == "open"
    clock.advance(29)
    assert not breaker.allow()
    clock.advance(1)
    assert breaker.allow()


def test_abandoned_trial_is_replaced_after_another_timeout(clock: FakeClock) -> None:
    breaker = make(clock)
    for _ in range(3):
        breaker.record_failure()
    clock.advance(30)
    assert breaker.allow()
    clock.advance(29)
    assert not breaker.allow()
    clock.advance(1)
    assert breaker.allow()
    assert not breaker.allow()


def test_processes_sharing_a_store_share_the_state(clock: FakeClock) -> None:
    store = InMemoryBreakerStore()
    worker_a, worker_b = make(clock, store), make(clock, store)
    worker_a.record_failure()
    worker_b.record_failure()
    worker_a.record_failure()
    assert not worker_b.allow()
    clock.advance(30)
    assert worker_b.allow()
    assert not worker_a.allow()
    worker_b.record_success()
    assert worker_a.state == "closed"


def test_reset_closes(clock: FakeClock) -> None:
    breaker = make(clock)
    for _ in range(3):
        breaker.record_failure()
    breaker.reset()
    assert breaker.state == "closed"
    assert breaker.allow()


@pytest.mark.parametrize("options", [{"failure_threshold": 0}, {"reset_timeout": 0}])
def test_nonsense_settings_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        CircuitBreaker("gov", **options)  # type: ignore[arg-type]


def test_file_store_is_shared_by_separate_stores_on_one_path(clock: FakeClock, tmp_path) -> None:
    """Two processes each open their own FileBreakerStore on GOV_BREAKER_FILE: they see one state."""
    path = tmp_path / "state" / "gov-breaker.json"
    worker_a, worker_b = make(clock, FileBreakerStore(path)), make(clock, FileBreakerStore(path))
    for _ in range(3):
        worker_a.record_failure()
    assert worker_b.state == "open" and not worker_b.allow()
    clock.advance(30)
    assert worker_b.allow() and not worker_a.allow()  # one trial, whichever process asks first
    worker_b.record_success()
    assert worker_a.state == "closed"


def test_file_store_reads_a_damaged_file_as_closed(clock: FakeClock, tmp_path) -> None:
    path = tmp_path / "gov-breaker.json"
    path.write_text("{not json", "utf-8")
    breaker = make(clock, FileBreakerStore(path))
    assert breaker.state == "closed"
    breaker.record_failure()
    assert FileBreakerStore(path).get("gov").failures == 1
