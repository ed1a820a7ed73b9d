"""Listings for people: a header row, aligned columns, times in Europe/Oslo with the zone.

The CLI's ``invoices list`` and ``exceptions list`` print through ``table``; the JSON and
CSV forms keep UTC ISO times for machines.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def local_time(value: str | datetime | None) -> str:
    """A UTC time (ISO text or aware datetime) as ``2026-05-02 14:03 CEST``; ``-`` if none."""
    if value is None:
        return "-"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(OSLO).strftime("%Y-%m-%d %H:%M %Z")


def amount(payable: str | None, currency: str | None) -> str | None:
    """``8550.00 EUR``: an invoice's amount with two decimals whatever the document wrote
    (``8550``, ``6125.0``), then its currency; ``None`` when the amount is not known."""
    if not payable:
        return None
    try:
        value = f"{Decimal(payable):.2f}"
    except InvalidOperation:  # kept as the document wrote it rather than lost
        value = payable
    return f"{value} {currency or ''}".rstrip()


def supplier_label(name: str | None, orgnr: str | None) -> str | None:
    """``Name (orgnr)``, or whichever of the two is known."""
    return f"{name} ({orgnr})" if name and orgnr else name or orgnr


def _cell(value: object, width: int | None) -> str:
    text = "-" if value is None or value == "" else str(value)
    text = " ".join(text.split())  # one line, whatever the data holds
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], caps: Sequence[int | None]
) -> str:
    """``rows`` under ``headers``, each column as wide as its widest cell up to its cap
    (``None``: no cap; longer cells end in ``…``); the last column is not padded."""
    cells = [[_cell(v, cap) for v, cap in zip(row, caps, strict=True)] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = [list(headers), *cells]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line[:-1], widths, strict=False)) + "  " + line[-1]
        for line in lines
    ).rstrip()
