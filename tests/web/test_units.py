"""Small parts of the control room: spreadsheet-safe cells, chart axes, translations."""

from __future__ import annotations

import re
from pathlib import Path

from orchestrator.export import csv_bytes
from orchestrator.web import app as web_app
from orchestrator.web.charts import axis_top, grouped_bars, horizontal_bars
from orchestrator.web.i18n import EN
from orchestrator.web.routes import robots
from orchestrator.web.routes.approvals import REFUSALS

TEMPLATES = Path(web_app.__file__).with_name("templates")


def test_csv_has_bom_and_neutralised_cells() -> None:
    data = csv_bytes(("a", "b"), [("=1+1", "ok")])
    assert data.startswith("\ufeff".encode()) and b"'=1+1,ok" in data


def test_axis_and_bars() -> None:
    assert [axis_top(n) for n in (0, 1, 3, 6, 11, 51)] == [1, 1, 5, 10, 20, 100]
    chart = grouped_bars([("a", [5, 10]), ("b", [0, 2])])
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.value == 10 and tallest.y == 10  # reaches the top margin exactly
    assert [b.series for b in chart.bars] == [0, 1, 0, 1]
    assert [value for _, value in chart.ticks] == [0, 5, 10]
    assert [value for _, value in grouped_bars([("a", [1])]).ticks] == [0, 1]
    rows = horizontal_bars([("PRICE-DEVIATION", 4), ("PO-CLOSED", 1)])
    assert [r.length for r in rows.rows] == [370.0, 92.5]
    assert rows.height == 8 + 2 * 26


def test_every_text_of_the_pages_has_its_english() -> None:
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r'\bt\("([^"]+)"\)', template.read_text(encoding="utf-8")))
    used |= set(REFUSALS.values())
    used |= {text for title, text, _status in robots.REFUSALS.values() for text in (title, text)}
    used |= {text for pair in web_app.ERROR_TITLES.values() for text in pair}
    used |= {"Noe gikk galt", "Feilen er logget. Prøv igjen, eller kontakt driftsansvarlig."}
    missing = sorted(text for text in used if text not in EN)
    assert missing == []
