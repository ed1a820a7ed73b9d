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
    # Whole numbers only: an axis up to 1 has no middle tick.
    values = sorted({0, top // 2, top})
    ticks = [(round(HEIGHT - MARGIN_BOTTOM - plot_height * v / top, 1), v) for v in values]
    return Chart(bars, labels, ticks)


#: Horizontal bars: room for the label on the left, one row per label.
LABEL_WIDTH, ROW_HEIGHT = 230, 26


@dataclass(frozen=True)
class Row:
    """One horizontal bar: its label, value, vertical position and length."""

    label: str
    value: int
    y: float
    length: float


@dataclass(frozen=True)
class Rows:
    """Horizontal bars, one per label (long labels such as exception codes stay readable)."""

    rows: list[Row]
    width: int
    height: int
    left: int = LABEL_WIDTH
    bar_height: int = ROW_HEIGHT - 8


def horizontal_bars(items: list[tuple[str, int]]) -> Rows:
    """One bar per ``(label, value)``, the longest reaching the right edge."""
    largest = max((value for _, value in items), default=0) or 1
    room = WIDTH - LABEL_WIDTH - 40  # space for the value after the bar
    rows = [
        Row(label, value, 4 + index * ROW_HEIGHT, round(room * value / largest, 1))
        for index, (label, value) in enumerate(items)
    ]
    return Rows(rows, WIDTH, 8 + len(items) * ROW_HEIGHT)
