"""What the VAT category rules know of a document's category elements, and the XPath
value rules they use (casts, normalize-space, the VAT-scheme test)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from tasks.ehf.document import Document, Element
from tasks.ehf.vocabulary import (
    ALLOWANCE_CHARGE,
    AMOUNT,
    CLASSIFIED_TAX_CATEGORY,
    CREDIT_NOTE_LINE,
    ID,
    INVOICE_LINE,
    ITEM,
    LINE_EXTENSION_AMOUNT,
    LINES,
    PERCENT,
    TAX_CATEGORY,
    TAX_EXEMPTION_REASON,
    TAX_EXEMPTION_REASON_CODE,
    TAX_SCHEME,
    TAX_SUBTOTAL,
    TAX_TOTAL,
)
from tasks.ehf.xpathfn import (
    CastError,
    charge_indicators,
    child_nodes,
    normalize_space,
    scheme_is_vat,
    string_value,
    to_number,
    xs_decimal,
)

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

# Where a category element sits, which decides the rules that see it.
AT_SUBTOTAL = "subtotal"  # /*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory
AT_ALLOWANCE_CHARGE = "allowance-charge"  # cac:AllowanceCharge/cac:TaxCategory
AT_LINE = "line"  # cac:InvoiceLine|CreditNoteLine/cac:Item/cac:ClassifiedTaxCategory
AT_OTHER = "other"


def decimal_of(found: list[Element] | None) -> Decimal | None:
    """``xs:decimal`` of a child path that reached ``found``: None when absent, CastError
    when it fails (two values are a dynamic error)."""
    if not found:
        return None
    if len(found) > 1:
        raise CastError(found[1].tag)
    return xs_decimal(string_value(found[0]))


def within_one(found: list[Element] | None) -> tuple[Decimal, Decimal] | None:
    """``xs:decimal(x - 1)`` and ``xs:decimal(x + 1)`` of a child path that reached ``found``
    (None when absent; CastError when it fails)."""
    if not found:
        return None
    if len(found) > 1:
        raise CastError(found[1].tag)
    bounds = _bounds(string_value(found[0]))
    if bounds is None:
        raise CastError(found[0].tag)
    return bounds


@lru_cache(maxsize=1024)
def _bounds(text: str) -> tuple[Decimal, Decimal] | None:
    """``within_one`` of a text, cached as the casts are: the arithmetic runs in xs:double
    first (so ``1e3`` is accepted), then each double converts exactly to a decimal, as
    Saxon does."""
    value = to_number(text)
    if value is None:
        return None
    number = float(value)
    return Decimal(number - 1), Decimal(number + 1)


def percent_compare(percents: tuple[str, ...], ok: Callable[[Decimal], bool]) -> bool:
    """``(cbc:Percent) > 0`` style: existential, each Percent cast to xs:double."""
    result = False
    for raw in percents:
        value = to_number(raw)
        if value is None:
            raise CastError("Percent")
        result = result or ok(value)
    return result


_NO_CHARGE: frozenset[bool] = frozenset()
_BAD = object()  # a percent whose xs:decimal cast fails
_UNSET = object()  # a rate not cast yet


@dataclass(slots=True)
class Category:
    """A cac:TaxCategory or cac:ClassifiedTaxCategory and the facts the rules ask of it."""

    el: Element
    classified: bool
    code: str  # normalize-space(cbc:ID) of its first ID
    raw: tuple[str, ...]  # the string values of its IDs (for the rules that do not trim)
    percents: tuple[str, ...]  # the string values of its cbc:Percent children
    vat: bool
    exempt: bool  # has a cbc:TaxExemptionReason or cbc:TaxExemptionReasonCode
    where: str
    charge: frozenset[bool]  # ChargeIndicator values of the parent AllowanceCharge
    on_root: bool  # the parent AllowanceCharge is a document-level one
    holder: Element | None  # the line (AT_LINE) or allowance/charge (AT_ALLOWANCE_CHARGE)
    _rate: object = _UNSET

    def percent(self) -> Decimal | None:
        """``xs:decimal(cbc:Percent)``: None when absent, CastError when it fails."""
        if not self.percents:
            return None
        if len(self.percents) > 1:
            raise CastError("Percent")
        return xs_decimal(self.percents[0])

    def rate(self) -> object:
        """``percent()`` cast once per category; ``_BAD`` when the cast fails."""
        if self._rate is _UNSET:
            try:
                self._rate = self.percent()
            except CastError:
                self._rate = _BAD
        return self._rate


def scan(doc: Document) -> list[Category]:
    """Every cac:TaxCategory and cac:ClassifiedTaxCategory of the document, classified.

    Each category's children are read in one pass (IDs, rates, tax schemes, exemption)."""
    root = doc.root
    found = []
    add = found.append
    for tag, classified in ((TAX_CATEGORY, False), (CLASSIFIED_TAX_CATEGORY, True)):
        for el in doc.all(tag):
            ids: list[str] = []
            percents: list[str] = []
            vat = exempt = False
            # One pass over the children: a large invoice has a category on every line, and
            # indexing each one's children by tag first costs more than the rules after it.
            for c in child_nodes(el):
                child_tag = c.tag
                if child_tag == ID:
                    ids.append(string_value(c))
                elif child_tag == PERCENT:
                    percents.append(string_value(c))
                elif child_tag == TAX_SCHEME:
                    vat = vat or scheme_is_vat(c)
                elif child_tag in (TAX_EXEMPTION_REASON, TAX_EXEMPTION_REASON_CODE):
                    exempt = True
            parent = el.getparent()
            where, charge, on_root, holder = AT_OTHER, _NO_CHARGE, False, None
            if classified:
                if parent.tag == ITEM:
                    gp = parent.getparent()
                    if gp is not None and gp.tag in LINES:
                        where, holder = AT_LINE, gp
            else:
                parent_tag = parent.tag
                if parent_tag == ALLOWANCE_CHARGE:
                    where, charge = AT_ALLOWANCE_CHARGE, frozenset(charge_indicators(parent))
                    on_root, holder = parent.getparent() is root, parent
                elif parent_tag == TAX_SUBTOTAL:
                    total = parent.getparent()
                    if total is not None and total.tag == TAX_TOTAL and total.getparent() is root:
                        where = AT_SUBTOTAL
            add(
                Category(el, classified, normalize_space(ids[0]) if ids else "", tuple(ids),
                         tuple(percents), vat, exempt, where, charge, on_root, holder)
            )  # fmt: skip
    return found


def categories(doc: Document) -> list[Category]:
    """``scan(doc)``, once per document: the VAT category rules and cen_core's line rules
    (BR-CO-04) both ask about every category element."""
    return doc.derived("cen_vat.categories", scan)


# --- what the -08 sums add up: lines, and allowances and charges ---


def _amount(raws: list[str]) -> Decimal:
    """``xs:decimal`` of a part's amount (the string values of its amount elements);
    absent counts as nothing in ``sum()``, two are a dynamic error."""
    if not raws:
        return ZERO
    if len(raws) > 1:
        raise CastError("Amount")
    return xs_decimal(raws[0]) or ZERO


def _rates(cats: list[Category]) -> tuple[tuple[Decimal, ...], bool]:
    """What ``cats/xs:decimal(cbc:Percent) = $rate`` can be true for: the distinct rates of
    ``cats`` in order up to the first malformed percent, and whether there is one (the
    comparison then raises for any other rate, as it reaches that percent)."""
    if len(cats) == 1:  # the common case, without a list
        rate = cats[0].rate()
        if rate is _BAD:
            return (), True
        return ((), False) if rate is None else ((rate,), False)  # type: ignore[return-value]
    rates: list[Decimal] = []
    for cat in cats:
        rate = cat.rate()
        if rate is _BAD:
            return tuple(rates), True
        if rate is not None and rate not in rates:
            rates.append(rate)  # type: ignore[arg-type]
    return tuple(rates), False


@dataclass(slots=True)
class Part:
    """An allowance or charge with a tax category, as the -08 sums and BR-S-08 see it."""

    rates: tuple[Decimal, ...]  # see ``_rates``
    malformed: bool
    amounts: list[str]  # string values of its cbc:Amount children
    plus: bool  # a charge
    minus: bool  # an allowance (an element saying both is counted both ways)
    on_root: bool  # a child of the document root

    def has_rate(self, rate: Decimal) -> bool:
        """``cac:TaxCategory/xs:decimal(cbc:Percent) = $rate`` (CastError where a malformed
        percent comes first)."""
        if rate in self.rates:
            return True
        if self.malformed:
            raise CastError("Percent")
        return False


Key = tuple[str, Decimal | None]  # a category code, and a rate or None for every rate


@dataclass(slots=True)
class LineSums:
    """The lines of one kind as the -08 rules see them, summed once per document.

    ``totals``: Σ net amounts of the document-level lines by (code, None) and by (code,
    rate); ``failed``: the keys whose sum meets a malformed amount (the official sum stops
    there with a dynamic error). ``first``: the position of the first line anywhere with a
    code and rate (BR-S-08's ``exists``). ``risky``: per code, the lines with a malformed
    percent (position, document level or not, the rates before it): asking them for
    another rate raises."""

    totals: dict[Key, Decimal]
    failed: set[Key]
    first: dict[tuple[str, Decimal], int]
    risky: dict[str, list[tuple[int, bool, tuple[Decimal, ...]]]]

    def total(self, code: str, rate: Decimal | None) -> Decimal:
        """The document-level lines' sum for ``code`` (at ``rate`` when given); CastError
        when it meets a malformed amount or percent."""
        key = (code, rate)
        if key in self.failed:
            raise CastError("LineExtensionAmount")
        if rate is not None:
            for _, on_root, rates in self.risky.get(code, ()):
                if on_root and rate not in rates:
                    raise CastError("Percent")
        return self.totals.get(key, ZERO)

    def used(self, code: str, rate: Decimal) -> bool:
        """Some line anywhere has ``code`` and ``rate``; CastError when a line with a
        malformed percent comes first."""
        position = self.first.get((code, rate))
        risky = self.risky.get(code)
        if risky and (position is None or risky[0][0] < position):
            raise CastError("Percent")
        return position is not None


def line_sums(groups: dict[Element, list[Category]], amounts_of: dict[Element, list[str]],
              root: Element) -> LineSums:  # fmt: skip
    """Sum the lines' net amounts by category code, and by code and rate."""
    totals: dict[Key, Decimal] = {}
    failed: set[Key] = set()
    first: dict[tuple[str, Decimal], int] = {}
    risky: dict[str, list[tuple[int, bool, tuple[Decimal, ...]]]] = {}
    get = totals.get
    for position, (line, cats) in enumerate(groups.items()):
        # cac:Item/cac:ClassifiedTaxCategory/normalize-space(cbc:ID) = $code: a category
        # without an ID gives no code.
        if len(cats) == 1:  # the common case, without a set
            codes: Collection[str] = (cats[0].code,) if cats[0].raw else ()
        else:
            codes = {cat.code for cat in cats if cat.raw}
        if not codes:
            continue
        rates, malformed = _rates(cats)
        on_root = line.getparent() is root
        for code in codes:
            for rate in rates:
                if (code, rate) not in first:
                    first[code, rate] = position
            if malformed:
                risky.setdefault(code, []).append((position, on_root, rates))
        if not on_root:
            continue
        try:
            amount = _amount(amounts_of[line])
        except CastError:
            for code in codes:
                failed.add((code, None))
                failed.update((code, rate) for rate in rates)
            continue
        for code in codes:
            totals[code, None] = get((code, None), ZERO) + amount
            for rate in rates:
                totals[code, rate] = get((code, rate), ZERO) + amount
    return LineSums(totals, failed, first, risky)


class VatView:
    """One document's category elements, and (computed on first use) the sums of its
    lines, allowances and charges, shared by all the VAT category rules."""

    __slots__ = ("doc", "cats", "_line_sums", "_allowance_charges")

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.cats = categories(doc)
        self._line_sums: dict[str, LineSums] = {}
        self._allowance_charges: dict[str, list[Part]] | None = None

    def line_sums(self, line_tag: str) -> LineSums:
        """The ``//cac:InvoiceLine`` (or CreditNoteLine) that have a
        ``cac:Item/cac:ClassifiedTaxCategory`` (a line without one adds to no sum), summed."""
        sums = self._line_sums.get(line_tag)
        if sums is None:
            doc = self.doc
            groups: dict[Element, list[Category]] = {}
            if doc.has(line_tag):
                # Read each line's tag only where both kinds of line are present.
                mixed = doc.has(INVOICE_LINE) and doc.has(CREDIT_NOTE_LINE)
                for cat in self.cats:
                    line = cat.holder
                    if cat.where != AT_LINE or (mixed and line.tag != line_tag):  # type: ignore[union-attr]
                        continue
                    cats = groups.get(line)  # type: ignore[arg-type]
                    if cats is None:
                        groups[line] = [cat]  # type: ignore[index]
                    else:
                        cats.append(cat)
            amounts_of: dict[Element, list[str]] = {line: [] for line in groups}
            if groups:
                for amount in doc.all(LINE_EXTENSION_AMOUNT):
                    found = amounts_of.get(amount.getparent())  # type: ignore[arg-type]
                    if found is not None:
                        found.append(string_value(amount))
            sums = self._line_sums[line_tag] = line_sums(groups, amounts_of, doc.root)
        return sums

    def allowance_charges(self, code: str) -> list[Part]:
        """The ``//cac:AllowanceCharge`` with a ``cac:TaxCategory`` of this code, in
        document order."""
        by_code = self._allowance_charges
        if by_code is None:
            by_code = self._allowance_charges = {}
            cats_of: dict[Element, list[Category]] = {}
            for cat in self.cats:
                if cat.where == AT_ALLOWANCE_CHARGE:
                    cats_of.setdefault(cat.holder, []).append(cat)  # type: ignore[arg-type]
            for ac, cats in cats_of.items():
                # The scan read the allowance or charge's indicators for its categories.
                flags, on_root = cats[0].charge, cats[0].on_root
                amounts = [string_value(c) for c in ac if c.tag == AMOUNT]
                part = Part(*_rates(cats), amounts, True in flags, False in flags, on_root)
                for code_of_ac in {cat.code for cat in cats if cat.raw}:
                    by_code.setdefault(code_of_ac, []).append(part)
        return by_code.get(code, [])

    def total(self, line_tag: str, code: str, rate: Decimal | None) -> Decimal:
        """Sum of the document's lines plus charges minus allowances in category ``code``
        (and at ``rate`` when given), as the -08 rules add them up (``../../../cac:...``:
        children of the root only); CastError where the official sum fails."""
        total = self.line_sums(line_tag).total(code, rate)
        for part in self.allowance_charges(code):
            if not part.on_root or (rate is not None and not part.has_rate(rate)):
                continue
            if part.plus:
                total += _amount(part.amounts)
            if part.minus:
                total -= _amount(part.amounts)
        return total

    def used_at_rate(self, line_tag: str, code: str, rate: Decimal) -> bool:
        """BR-S-08's guard: some line of this kind, allowance or charge anywhere has this
        code and rate (CastError where a malformed percent comes first)."""
        return self.line_sums(line_tag).used(code, rate) or any(
            part.has_rate(rate) for part in self.allowance_charges(code)
        )
