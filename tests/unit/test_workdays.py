"""Official working-day calendar with 调休 and fallbacks."""

from datetime import date, timedelta

import chinese_calendar
import pytest

from portal.core import workdays
from portal.core.workdays import add_workdays, is_workday


@pytest.mark.parametrize("day", [date(2024, 10, d) for d in range(1, 8)])
def test_national_day_2024_is_off(day):
    assert not is_workday(day)


@pytest.mark.parametrize("day", [date(2024, 9, 29), date(2024, 10, 12), date(2025, 1, 26), date(2025, 2, 8)])
def test_adjusted_weekend_working_days(day):
    assert day.weekday() >= 5
    assert is_workday(day)


@pytest.mark.parametrize("day", [date(2025, 1, 28) + timedelta(days=i) for i in range(8)])
def test_spring_festival_2025_is_off(day):
    assert not is_workday(day)


def test_ordinary_days():
    assert is_workday(date(2025, 2, 5))  # first day back after Spring Festival
    assert not is_workday(date(2024, 10, 13))  # an ordinary Sunday
    assert is_workday(date(2024, 10, 14))


def test_add_workdays_skips_holidays_and_counts_adjusted_weekends():
    assert add_workdays(date(2024, 9, 27), 1) == date(2024, 9, 29)
    assert add_workdays(date(2024, 9, 30), 1) == date(2024, 10, 8)
    # 10 working days from 2024-09-30: Oct 8, 9, 10, 11, 12 (Sat), 14, 15, 16, 17, 18.
    assert add_workdays(date(2024, 9, 30), 10) == date(2024, 10, 18)
    assert add_workdays(date(2025, 1, 27), 1) == date(2025, 2, 5)


def test_add_workdays_zero_and_negative():
    assert add_workdays(date(2024, 10, 3), 0) == date(2024, 10, 3)
    assert add_workdays(date(2024, 10, 8), -1) == date(2024, 9, 30)
    assert add_workdays(date(2024, 10, 8), -2) == date(2024, 9, 29)


@pytest.mark.parametrize("start,n", [(date(2024, 9, 27), 15), (date(2025, 1, 20), 12), (date(2024, 12, 30), 3)])
def test_add_workdays_lands_on_the_n_th_working_day(start, n):
    end = add_workdays(start, n)
    days = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert is_workday(end) and sum(is_workday(d) for d in days) == n


def test_falls_back_to_holidays_package_when_chinese_calendar_lacks_the_year(monkeypatch):
    def no_data(day):
        raise NotImplementedError(f"no data for {day.year}")

    monkeypatch.setattr(workdays.chinese_calendar, "is_workday", no_data)
    # The holidays package also knows the 2024 notice, 调休 included.
    assert not is_workday(date(2024, 10, 1))
    assert is_workday(date(2024, 9, 29))
    assert not is_workday(date(2025, 1, 29))
    assert is_workday(date(2024, 10, 8))


def test_years_beyond_every_package_use_weekdays_minus_fixed_holidays():
    with pytest.raises(NotImplementedError):  # so the fallbacks below are what answers
        chinese_calendar.is_workday(date(2101, 6, 1))
    assert date(2101, 10, 3).weekday() < 5 and not is_workday(date(2101, 10, 3))  # National Day
    assert date(2101, 10, 4).weekday() < 5 and is_workday(date(2101, 10, 4))
    assert not is_workday(date(2101, 10, 8))  # Saturday
