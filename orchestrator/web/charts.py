"""Bar charts as SVG geometry, computed on the server and drawn by a template (no script)."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 220
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 40, 40, 10


@dataclass(frozen=True)
class Bar:
    """One bar: position, size, value and the series it belongs to (for its colour)."""

    x: float
    y: float
    width: float
    height: float
    value: int
    series: int


@dataclass(frozen=True)
class Chart:
    """Bars, their labels and the value axis of a chart ``WIDTH`` × ``HEIGHT``."""

    bars: list[Bar]
    labels: list[tuple[float, str]]  # x of a group's centre, label
    ticks: list[tuple[float, int]]  # y, value
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - MARGIN_BOTTOM
    left: float = MARGIN_LEFT


def axis_top(largest: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50 … that is at least ``largest``."""
    top, factors = 1, (2, 2.5, 2)
    index = 0
    while top < largest:
        top = int(top * factors[index % 3])
        index += 1
    return top


def grouped_bars(groups: list[tuple[str, list[int]]]) -> Chart:
    """A bar chart with one group per label and one bar per series in each group."""
    plot_width = WIDTH - MARGIN_LEFT - 10
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    series = max((len(values) for _, values in groups), default=1)
    top = axis_top(max((v for _, values in groups for v in values), default=0))
    slot = plot_width / max(len(groups), 1)
    bar_width = slot * 0.8 / series
    bars, labels = [], []
    for index, (label, values) in enumerate(groups):
        left = MARGIN_LEFT + index * slot + slot * 0.1
        for number, value in enumerate(values):
            height = plot_height * value / top
            bars.append(
                Bar(
                    round(left + number * bar_width, 1),
                    round(HEIGHT - MARGIN_BOTTOM - height, 1),
                    round(bar_width * 0.9, 1),
                    round(height, 1),
                    value,
                    number,
                )
            )
        labels.append((round(MARGIN_LEFT + index * slot + slot / 2, 1), label))
    ticks = [
        (round(HEIGHT - MARGIN_BOTTOM - plot_height * fraction, 1), round(top * fraction))
        for fraction in (0, 0.5, 1)
    ]
    return Chart(bars, labels, ticks)
