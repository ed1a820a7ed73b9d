"""XPath 2.0 value semantics the Peppol rules need beyond ``tasks.ehf.xpathfn``.

- ``xdiv``: ``div`` on decimals as the official engine (Saxon) computes it.
- ``castable_integer``: ``castable as xs:integer``.

The rest (``normalize-space``, ``el/text()``, ``xs:date``) is in ``tasks.ehf.xpathfn``.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal

from tasks.ehf.xpathfn import XML_SPACE

_INTEGER = re.compile(r"[+-]?[0-9]+")
# Wide enough that products and quotients of invoice amounts are never rounded by the context.
_EXACT = Context(prec=200)
# Saxon divides decimals to max(18, scale of either operand) places, rounding half down.
_DIVIDE_PRECISION = 18


def castable_integer(value: str) -> bool:
    """XPath ``value castable as xs:integer`` (surrounding white space is allowed)."""
    return _INTEGER.fullmatch(value.strip(XML_SPACE)) is not None


def xmul(a: Decimal, b: Decimal) -> Decimal:
    """Exact decimal multiplication (XPath ``*`` on xs:decimal)."""
    return _EXACT.multiply(a, b)


def xdiv(a: Decimal, b: Decimal) -> Decimal:
    """XPath ``a div b`` on xs:decimal as Saxon computes it (``b`` must not be zero): the
    quotient to max(18, scale of either operand) places, rounded half down."""
    if b == 1:  # the usual base quantity; the quotient is exact
        return a
    sign_a, digits_a, exp_a = a.as_tuple()
    sign_b, digits_b, exp_b = b.as_tuple()
    scale = max(_DIVIDE_PRECISION, -exp_a, -exp_b)  # type: ignore[operator]
    # |a / b| * 10**scale as a fraction of integers, then rounded half down.
    numerator = int("".join(map(str, digits_a)) or "0")
    denominator = int("".join(map(str, digits_b)) or "0")
    shift = exp_a - exp_b + scale  # type: ignore[operator]
    if shift >= 0:
        numerator *= 10**shift
    else:
        denominator *= 10**-shift
    quotient, remainder = divmod(numerator, denominator)
    if 2 * remainder > denominator:
        quotient += 1
    return Decimal((sign_a ^ sign_b, tuple(map(int, str(quotient))), -scale))


def slack(expected: Decimal, value: Decimal, tolerance: Decimal) -> bool:
    """The rules' ``u:slack``: ``value`` lies within ``tolerance`` of ``expected``."""
    return expected + tolerance >= value and expected - tolerance <= value
