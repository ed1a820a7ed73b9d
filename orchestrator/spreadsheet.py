"""Cells that are safe to open in Excel or LibreOffice: no formula injection from exports.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(and a leading tab or carriage return can hide one), so a supplier's file name or text, or a
staff comment such as ``=HYPERLINK("http://…")``, could act when an auditor opens an export.
Every CSV export writes its values through ``safe_cell``: such text gets a leading apostrophe,
which spreadsheets show as plain text. Plain numbers (``-1250.00``) stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell no spreadsheet evaluates: text that could start a formula is
    prefixed with ``'``; numbers, empty values and other text are returned unchanged."""
    formula = isinstance(value, str) and value.startswith(_FORMULA_START)
    return "'" + value if formula and not _PLAIN_NUMBER.fullmatch(value) else value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """``safe_cell`` of every value of a row."""
    return [safe_cell(value) for value in values]
