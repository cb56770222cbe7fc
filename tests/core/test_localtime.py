"""portal.core.localtime: the bureau's calendar (China time) against the naive UTC the database stores."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from portal.core import clock, localtime


@pytest.fixture(autouse=True)
def _real_clock():
    yield
    clock.reset()


@pytest.mark.parametrize(("utc", "local_day"), [
    (datetime(2026, 8, 20, 15, 59, 59), date(2026, 8, 20)),  # 23:59:59 in Luzhou
    (datetime(2026, 8, 20, 16, 0), date(2026, 8, 21)),  # local midnight
    (datetime(2026, 8, 20, 0, 30), date(2026, 8, 20)),  # UTC just past midnight: 08:30 local
    (datetime(2026, 12, 31, 16, 0), date(2027, 1, 1)),  # new year arrives in China first
])
def test_local_date_turns_over_at_local_midnight(utc, local_day):
    assert localtime.local_date(utc) == local_day


def test_to_local_and_to_utc_are_inverse_and_eight_hours_apart():
    utc = datetime(2026, 3, 1, 21, 15, 30)
    local = localtime.to_local(utc)
    assert local == datetime(2026, 3, 2, 5, 15, 30)
    assert local.tzinfo is None  # stays naive, like every stored timestamp
    assert localtime.to_utc(local) == utc
    assert localtime.utc_offset() == timedelta(hours=8)


def test_day_start_utc_is_four_pm_utc_the_day_before():
    assert localtime.day_start_utc(date(2026, 8, 21)) == datetime(2026, 8, 20, 16, 0)
    assert localtime.day_start_utc(date(2026, 3, 1)) == datetime(2026, 2, 28, 16, 0)


def test_day_bounds_are_half_open_and_include_both_local_days():
    lower, upper = localtime.day_bounds_utc(date(2026, 7, 1), date(2026, 9, 30))
    assert (lower, upper) == (datetime(2026, 6, 30, 16, 0), datetime(2026, 9, 30, 16, 0))
    first_moment = datetime(2026, 6, 30, 16, 0)  # 00:00 on 1 July in Luzhou
    last_moment = datetime(2026, 9, 30, 15, 59, 59)  # 23:59:59 on 30 September
    next_day = datetime(2026, 9, 30, 16, 0)  # 00:00 on 1 October
    assert lower <= first_moment < upper and lower <= last_moment < upper
    assert not (lower <= next_day < upper)
    assert not (lower <= first_moment - timedelta(seconds=1) < upper)


def test_one_day_bounds_span_exactly_one_day():
    lower, upper = localtime.day_bounds_utc(date(2026, 8, 20), date(2026, 8, 20))
    assert upper - lower == timedelta(days=1)
    assert localtime.local_date(lower) == date(2026, 8, 20)
    assert localtime.local_date(upper - timedelta(microseconds=1)) == date(2026, 8, 20)


def test_year_bounds_follow_the_local_new_year():
    lower, upper = localtime.year_bounds_utc(2026)
    assert (lower, upper) == (datetime(2025, 12, 31, 16, 0), datetime(2026, 12, 31, 16, 0))
    assert localtime.local_date(lower) == date(2026, 1, 1)
    assert localtime.local_date(upper) == date(2027, 1, 1)


def test_today_reads_the_portal_clock_so_tests_can_travel():
    clock.freeze(datetime(2026, 8, 20, 15, 30))  # 23:30 on 20 August in Luzhou
    assert localtime.today() == date(2026, 8, 20)
    clock.freeze(datetime(2026, 8, 20, 16, 30))  # 00:30 on 21 August
    assert localtime.today() == date(2026, 8, 21)
    assert clock.today() == localtime.today()  # the clock's calendar is the same rule
    clock.travel(timedelta(days=1))
    clock.freeze(None)
    assert clock.today() == localtime.today()


def test_format_local_writes_china_time():
    assert localtime.format_local(datetime(2026, 8, 20, 21, 5)) == "2026-08-21 05:05"
    assert localtime.format_local(datetime(2026, 8, 20, 21, 5, 9), "%Y-%m-%d %H:%M:%S") == "2026-08-21 05:05:09"
    assert localtime.format_local(None) == ""
