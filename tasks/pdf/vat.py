"""The VAT rate of each line of a PDF invoice, and whether the rates explain its VAT amount.

A PDF invoice states one VAT amount; its lines may be at different rates (25 % for goods,
15 % for food, 12 % for transport). A line whose rate was read from the table's VAT column
or entered by a person keeps it. The lines without a rate share the VAT the others leave:
their rate is the Norwegian rate that gives that remainder. When no Norwegian rate does
(a 25 % + 15 % invoice read without its VAT column gives "20 %"), there is no single rate
to use: ``rates_for`` says so, and a person gives the lines their rates at confirmation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

#: Norwegian VAT rates (general, food, transport/hotel/culture, raw fish, zero).
NORWEGIAN_RATES: tuple[Decimal, ...] = (
    Decimal(25),
    Decimal(15),
    Decimal(12),
    Decimal("11.11"),
    Decimal(0),
)
_CENT = Decimal("0.01")
#: Each line's VAT may be rounded on its own: up to half an øre per line either way.
_ROUNDING_PER_LINE = Decimal("0.01")


@dataclass(frozen=True)
class LineRates:
    """The rate for each line, and why they do not explain the VAT amount, if they do not.

    ``problem`` is (bokmål, English); the rates are then a best guess, never to be posted
    without a person's correction."""

    rates: tuple[Decimal, ...]
    problem: tuple[str, str] | None = None


def vat_of(amount: Decimal, rate: Decimal) -> Decimal:
    """The VAT of ``amount`` at ``rate`` percent, to the øre."""
    return (amount * rate / 100).quantize(_CENT, rounding=ROUND_HALF_UP)


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def rates_for(vat: Decimal | None, lines: Sequence[tuple[Decimal, Decimal | None]]) -> LineRates:
    """The rate of each line, given as (amount, rate or None), of an invoice whose VAT
    amount is ``vat``."""
    if vat is None or not lines:
        return LineRates(tuple(rate or Decimal(0) for _, rate in lines))
    known = sum((vat_of(amount, rate) for amount, rate in lines if rate is not None), Decimal(0))
    open_net = sum((amount for amount, rate in lines if rate is None), Decimal(0))
    left = vat - known
    tolerance = _ROUNDING_PER_LINE * len(lines)
    if open_net == 0:
        if abs(left) <= tolerance:
            return LineRates(tuple(rate or Decimal(0) for _, rate in lines))
        rates = tuple(rate or Decimal(0) for _, rate in lines)
        given = ", ".join(f"{_plain(rate)} %" for rate in sorted(set(rates), reverse=True))
        return LineRates(
            rates,
            (
                f"Linjenes mva-satser ({given}) gir {known} i mva, men fakturaen oppgir {vat}.",
                f"The lines' VAT rates ({given}) give {known} VAT, but the invoice states {vat}.",
            ),
        )
    for rate in NORWEGIAN_RATES:
        if abs(vat_of(open_net, rate) - left) <= tolerance:
            return LineRates(tuple(rate if given is None else given for _, given in lines))
    implied = (left * 100 / open_net).quantize(_CENT)
    return LineRates(
        tuple(implied if given is None else given for _, given in lines),
        (
            f"Mva-beløpet {left} er {_plain(implied)} % av {open_net}, og det er ingen norsk "
            "mva-sats: fakturaen har trolig linjer med ulike satser (25 %, 15 %, 12 %). "
            "Oppgi satsen for hver linje (--line N:vat_percent=SATS).",
            f"The VAT amount {left} is {_plain(implied)} % of {open_net}, which is no Norwegian "
            "VAT rate: the invoice probably has lines at different rates (25 %, 15 %, 12 %). "
            "Give each line its rate (--line N:vat_percent=RATE).",
        ),
    )
