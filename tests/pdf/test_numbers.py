"""Norwegian and English amount and date formats."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tasks.pdf.numbers import find_amounts, find_date, last_amount


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1 234,50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1234.50", "1234.50"),
        ("kr 1 234,-", "1234.00"),
        ("kr 12 500,--", "12500.00"),
        ("NOK 1\u00a0234\u00a0567,89", "1234567.89"),
        ("1'234.50", "1234.50"),
        ("12.500", "12500.00"),
        ("Mva 25 % 2 500,00", "2500.00"),
        ("-1 234,50", "-1234.50"),
        ("EUR 499.08", "499.08"),
    ],
)
def test_amounts(text: str, amount: str) -> None:
    assert last_amount(text) == Decimal(amount)


@pytest.mark.parametrize(
    "text",
    [
        "1503.12.34562",  # an account number
        "02.12.2026",  # a date
        "25 %",
        "ingen beløp her",
        "1.234.5",  # the same mark cannot both group and separate decimals
    ],
)
def test_no_amount_in(text: str) -> None:
    assert last_amount(text) is None


def test_quantities_keep_their_decimals() -> None:
    assert find_amounts("37,5 stk") == [Decimal("37.5")]
    assert find_amounts("20") == [Decimal("20")]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("02.12.2026", date(2026, 12, 2)),
        ("2.12.2026", date(2026, 12, 2)),
        ("02.12.26", date(2026, 12, 2)),
        ("02/12/2026", date(2026, 12, 2)),
        ("2026-12-02", date(2026, 12, 2)),
        ("2. desember 2026", date(2026, 12, 2)),
        ("2. des. 2026", date(2026, 12, 2)),
        ("2 December 2026", date(2026, 12, 2)),
        ("December 2, 2026", date(2026, 12, 2)),
        ("Dec 2 2026", date(2026, 12, 2)),
        ("16. oktober 2026", date(2026, 10, 16)),
        ("1. mai 2026", date(2026, 5, 1)),
        ("Forfall 30.01.2027, deretter purring", date(2027, 1, 30)),
    ],
)
def test_dates(text: str, day: date) -> None:
    assert find_date(text) == day


@pytest.mark.parametrize("text", ["31.02.2026", "2026-13-01", "12 500,00", "1503.12.34562"])
def test_no_date_in(text: str) -> None:
    assert find_date(text) is None
