"""Tables for the auditor as CSV or Excel (xlsx), safe to open in a spreadsheet.

Every cell goes through ``orchestrator.spreadsheet.safe_cell``: text a spreadsheet program
would run as a formula (CSV/formula injection) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from orchestrator.spreadsheet import safe_cell


def _cell(value: Any) -> Any:
    """An empty cell for ``None``, otherwise ``value`` made safe (``spreadsheet.safe_cell``)."""
    return "" if value is None else safe_cell(value)


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file (UTF-8 with BOM, so Excel reads æøå) of ``columns`` and ``rows``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """An Excel workbook with one sheet ``title``: a bold header row, then ``rows``."""
    from openpyxl import Workbook  # loaded only when someone exports
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        # openpyxl would store a text starting with "=" as a formula: safe_cell prevents it.
        sheet.append([_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
