"""Chart geometry (portal.core.charts) and quarters (portal.core.quarters): pure maths, no app."""
from __future__ import annotations

from datetime import date

import pytest

from portal.core.charts import Point, bar_chart, column_chart, nice_step, nice_ticks, number_text
from portal.core.quarters import parse_quarter, quarter_label, quarters_ending


@pytest.mark.parametrize(("high", "ticks"), [
    (0, [0, 1]),
    (1, [0, 1]),
    (3, [0, 1, 2, 3]),
    (7, [0, 2, 4, 6, 8]),
    (10, [0, 2, 4, 6, 8, 10]),
    (23, [0, 5, 10, 15, 20, 25]),
    (100, [0, 20, 40, 60, 80, 100]),
    (101, [0, 50, 100, 150]),
    (4321, [0, 1000, 2000, 3000, 4000, 5000]),
])
def test_nice_ticks_start_at_zero_and_reach_the_highest_value(high, ticks):
    assert nice_ticks(high) == ticks


def test_fractional_values_get_fractional_steps_and_counts_never_do():
    assert nice_step(0.8, whole=False) == pytest.approx(0.2)
    assert nice_step(0.8) == 1.0
    assert nice_ticks(0.3, whole=False) == [0, 0.1, 0.2, 0.3]


def test_number_text():
    assert number_text(3.0) == "3" and number_text(82.46) == "82.5" and number_text(None) == ""


def test_column_chart_scales_bars_to_the_top_tick():
    points = [Point(("a",), 0), Point(("b",), 5), Point(("c",), 10), Point(("d",), None)]
    c = column_chart(points, width=440, height=300, left=40, right=0, top=20, bottom=80)
    assert (c.left, c.right, c.top, c.bottom) == (40, 440, 20, 220)
    a, b, full, missing = c.bars
    assert full.height == pytest.approx(200) and full.y == pytest.approx(20)
    assert b.height == pytest.approx(100) and a.height == 0 and missing.height == 0 and missing.text == ""
    assert [bar.width for bar in c.bars] == [pytest.approx(60)] * 4  # 100 per slot, 60 % of it
    assert a.x == pytest.approx(60) and a.label_x == pytest.approx(90)  # centred in the first slot
    assert [t.text for t in c.ticks] == ["0", "2", "4", "6", "8", "10"]
    assert c.ticks[0].pos == pytest.approx(220) and c.ticks[-1].pos == pytest.approx(20)


def test_a_ceiling_fixes_the_axis_and_caps_bars():
    c = column_chart([Point(("q",), 82.5), Point(("r",), 120)], height=300, top=0, bottom=100, ceiling=100)
    assert c.ticks[-1].value == 100 and c.bars[0].height == pytest.approx(165)
    assert c.bars[1].height == pytest.approx(200)  # capped at the plot's top


def test_bar_chart_has_one_row_per_point_and_grows_with_them():
    points = [Point((f"d{i}",), i) for i in range(7)]
    c = bar_chart(points, width=640, row=30, left=100, right=40, top=10, bottom=40)
    assert c.horizontal and c.height == 10 + 7 * 30 + 40
    assert c.bars[6].width == pytest.approx(500)  # the largest value reaches the top tick (6)
    assert c.bars[3].width == pytest.approx(250) and c.bars[0].width == 0
    assert c.bars[1].y == pytest.approx(10 + 30 * 1.5 - 9)
    assert c.bars[0].label_x == 92 and c.bars[2].value_x == pytest.approx(100 + 500 / 3 + 6)


def test_empty_charts_still_have_an_axis():
    assert [t.value for t in column_chart([]).ticks] == [0, 1]
    assert bar_chart([]).bars == ()


def test_quarters():
    assert quarter_label(date(2026, 11, 2)) == "2026Q4"
    assert parse_quarter("2026Q2") == (date(2026, 4, 1), date(2026, 6, 30))
    assert parse_quarter("2026Q0") is None
    back = quarters_ending(date(2026, 2, 10), 8)
    assert [quarter_label(a) for a, _b in back] == ["2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3",
                                                     "2025Q4", "2026Q1"]
    assert back[-1] == (date(2026, 1, 1), date(2026, 3, 31))
