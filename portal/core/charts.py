"""Chart geometry for the server-side SVG charts drawn by templates/macros/charts.html: scales, ticks and
bar rectangles computed here (pure, no Flask), the markup and every word left to the template."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    """One category: its label (one or more lines), its value (None: no data) and the list behind it."""

    label: tuple[str, ...]
    value: float | None
    href: str = ""


@dataclass(frozen=True)
class Tick:
    value: float
    pos: float  # y of a column chart's gridline, x of a bar chart's
    text: str


@dataclass(frozen=True)
class Bar:
    point: Point
    x: float
    y: float
    width: float
    height: float
    label_x: float  # anchor of the category label
    label_y: float
    value_x: float  # anchor of the value printed at the bar's end
    value_y: float
    text: str  # the value as printed


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float  # plot area
    top: float
    right: float
    bottom: float
    horizontal: bool
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]


def nice_step(high: float, max_ticks: int = 5, whole: bool = True) -> float:
    """The step of at most `max_ticks` intervals from 0 to `high`: 1, 2 or 5 times a power of ten
    (never below 1 for counts, which have no fractions)."""
    if high <= 0 or max_ticks < 1:
        return 1.0
    raw = high / max_ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    return max(step, 1.0) if whole else step


def nice_ticks(high: float, max_ticks: int = 5, whole: bool = True) -> list[float]:
    """Tick values from 0 up to the first step at or above `high` (at least [0, 1])."""
    step = nice_step(high, max_ticks, whole)
    count = max(1, math.ceil(high / step - 1e-9))
    return [round(i * step, 10) for i in range(count + 1)]


def number_text(value: float | None) -> str:
    """A value as printed on a chart: whole numbers without decimals, others with one."""
    if value is None:
        return ""
    return str(int(round(value))) if float(value).is_integer() else f"{value:.1f}"


def _ticks(points: Sequence[Point], max_ticks: int, ceiling: float | None) -> list[float]:
    values = [p.value for p in points if p.value is not None]
    whole = all(float(v).is_integer() for v in values)
    return nice_ticks(ceiling if ceiling is not None else max(values, default=0), max_ticks, whole)


def column_chart(points: Sequence[Point], width: int = 800, height: int = 300, *, left: float = 56,
                 top: float = 28, right: float = 16, bottom: float = 52, max_ticks: int = 5,
                 ceiling: float | None = None) -> Chart:
    """Vertical bars, one per point, left to right; the value axis starts at 0 and ends on a tick
    (`ceiling` fixes its end, e.g. 100 for scores)."""
    ticks = _ticks(points, max_ticks, ceiling)
    plot_left, plot_right, plot_top, plot_bottom = left, width - right, top, height - bottom
    plot_h = plot_bottom - plot_top
    top_value = ticks[-1]

    def y_of(value: float) -> float:
        return plot_bottom - min(value, top_value) / top_value * plot_h

    slot = (plot_right - plot_left) / max(len(points), 1)
    bars = []
    for i, point in enumerate(points):
        center = plot_left + slot * (i + 0.5)
        y = y_of(point.value or 0)
        bars.append(Bar(point, x=center - slot * 0.3, y=y, width=slot * 0.6, height=plot_bottom - y,
                        label_x=center, label_y=plot_bottom + 18, value_x=center, value_y=y - 6,
                        text=number_text(point.value)))
    return Chart(width, height, plot_left, plot_top, plot_right, plot_bottom, False, tuple(bars),
                 tuple(Tick(v, y_of(v), number_text(v)) for v in ticks))


def bar_chart(points: Sequence[Point], width: int = 800, *, row: float = 34, left: float = 110,
              top: float = 12, right: float = 48, bottom: float = 40, max_ticks: int = 5,
              ceiling: float | None = None) -> Chart:
    """Horizontal bars, one row per point, top to bottom (long category names fit on the left)."""
    ticks = _ticks(points, max_ticks, ceiling)
    height = int(round(top + row * max(len(points), 1) + bottom))
    plot_left, plot_right, plot_top, plot_bottom = left, width - right, top, height - bottom
    plot_w = plot_right - plot_left
    top_value = ticks[-1]

    def x_of(value: float) -> float:
        return plot_left + min(value, top_value) / top_value * plot_w

    bars = []
    for i, point in enumerate(points):
        middle = plot_top + row * (i + 0.5)
        end = x_of(point.value or 0)
        bars.append(Bar(point, x=plot_left, y=middle - row * 0.3, width=end - plot_left, height=row * 0.6,
                        label_x=plot_left - 8, label_y=middle + 5, value_x=end + 6, value_y=middle + 5,
                        text=number_text(point.value)))
    return Chart(width, height, plot_left, plot_top, plot_right, plot_bottom, True, tuple(bars),
                 tuple(Tick(v, x_of(v), number_text(v)) for v in ticks))
