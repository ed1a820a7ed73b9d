"""What the VAT category rules know of a document's category elements, and the XPath
value rules they use (casts, normalize-space, the VAT-scheme test)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from tasks.ehf.document import Document, Element, cac, cbc, string_value
from tasks.ehf.rules._shared import (
    CastError,
    charge_indicators,
    decimal_of_text,
    norm_space,
    scheme_is_vat,
)
from tasks.ehf.xpathfn import to_number

ID = cbc("ID")
PERCENT = cbc("Percent")
TAX_SCHEME = cac("TaxScheme")
TAX_CATEGORY = cac("TaxCategory")
CLASSIFIED = cac("ClassifiedTaxCategory")
TAX_SUBTOTAL = cac("TaxSubtotal")
TAX_TOTAL = cac("TaxTotal")
ALLOWANCE_CHARGE = cac("AllowanceCharge")
ITEM = cac("Item")
INVOICE_LINE = cac("InvoiceLine")
CREDIT_NOTE_LINE = cac("CreditNoteLine")
LINE_TAGS = (INVOICE_LINE, CREDIT_NOTE_LINE)
TAXABLE_AMOUNT = cbc("TaxableAmount")
TAX_AMOUNT = cbc("TaxAmount")
LINE_AMOUNT = cbc("LineExtensionAmount")
AMOUNT = cbc("Amount")
EXEMPTION_REASON = cbc("TaxExemptionReason")
EXEMPTION_CODE = cbc("TaxExemptionReasonCode")

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

# Where a category element sits, which decides the rules that see it.
AT_SUBTOTAL = "subtotal"  # /*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory
AT_ALLOWANCE_CHARGE = "allowance-charge"  # cac:AllowanceCharge/cac:TaxCategory
AT_LINE = "line"  # cac:InvoiceLine|CreditNoteLine/cac:Item/cac:ClassifiedTaxCategory
AT_OTHER = "other"


# Amounts and rates repeat within and across documents; Decimal values are immutable.
parse_double = lru_cache(maxsize=1024)(to_number)


def decimal_of(found: list[Element] | None) -> Decimal | None:
    """``xs:decimal`` of a child path that reached ``found``: None when absent, CastError
    when it fails (two values are a dynamic error)."""
    if not found:
        return None
    if len(found) > 1:
        raise CastError(found[1].tag)
    value = decimal_of_text(string_value(found[0]))
    if value is None:
        raise CastError(found[0].tag)
    return value


def within_one(found: list[Element] | None) -> tuple[Decimal, Decimal] | None:
    """``xs:decimal(x - 1)`` and ``xs:decimal(x + 1)`` of a child path that reached ``found``
    (None when absent): the arithmetic runs in xs:double first (so ``1e3`` is accepted),
    then each double converts exactly to a decimal, as Saxon does."""
    if not found:
        return None
    if len(found) > 1:
        raise CastError(found[1].tag)
    value = parse_double(string_value(found[0]))
    if value is None:
        raise CastError(found[0].tag)
    number = float(value)
    return Decimal(number - 1), Decimal(number + 1)


def percent_compare(percents: tuple[str, ...], ok: Callable[[Decimal], bool]) -> bool:
    """``(cbc:Percent) > 0`` style: existential, each Percent cast to xs:double."""
    result = False
    for raw in percents:
        value = parse_double(raw)
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
        value = decimal_of_text(self.percents[0])
        if value is None:
            raise CastError("Percent")
        return value

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
    for tag, classified in ((TAX_CATEGORY, False), (CLASSIFIED, True)):
        for el in doc.all(tag):
            ids = []
            percents = []
            vat = exempt = False
            # A slice walks faster than lxml's child iterator; a leaf's string value is
            # its text, read without a call (the children of these are leaves when valid).
            for c in el[:]:
                child_tag = c.tag
                if child_tag == ID:
                    ids.append((c.text or "") if len(c) == 0 else string_value(c))
                elif child_tag == PERCENT:
                    percents.append((c.text or "") if len(c) == 0 else string_value(c))
                elif child_tag == TAX_SCHEME:
                    vat = vat or scheme_is_vat(c)
                elif child_tag in (EXEMPTION_REASON, EXEMPTION_CODE):
                    exempt = True
            parent = el.getparent()
            where, charge, on_root, holder = AT_OTHER, _NO_CHARGE, False, None
            if classified:
                if parent.tag == ITEM:
                    gp = parent.getparent()
                    if gp is not None and gp.tag in LINE_TAGS:
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
                Category(el, classified, norm_space(ids[0]) if ids else "", tuple(ids),
                         tuple(percents), vat, exempt, where, charge, on_root, holder)
            )  # fmt: skip
    return found


def categories(doc: Document) -> list[Category]:
    """``scan(doc)``, once per document: the VAT category rules and cen_core's line rules
    (BR-CO-04) both ask about every category element."""
    return doc.derived("cen_vat.categories", scan)


# --- selections of category elements, as the official XPath expressions make them ---

Select = Callable[[Category], bool]


def tax_category(code: str, vat: bool = True) -> Select:
    """``//cac:TaxCategory[normalize-space(cbc:ID) = code]`` (optionally [VAT])."""
    return lambda c: not c.classified and c.code == code and (c.vat or not vat)


def classified(code: str, vat: bool = True) -> Select:
    """``//cac:ClassifiedTaxCategory[normalize-space(cbc:ID) = code]`` (optionally [VAT])."""
    return lambda c: c.classified and c.code == code and (c.vat or not vat)


def allowance_charge(
    code: str, charge: bool | None, vat: bool = True, raw: bool = False, on_root: bool = False
) -> Select:
    """``//cac:AllowanceCharge[cbc:ChargeIndicator = charge]/cac:TaxCategory[...]``.

    ``charge=None`` takes allowances and charges; ``raw`` compares the untrimmed ID
    (``cbc:ID = 'L'``); ``on_root`` keeps document-level ones only.
    """

    def select(c: Category) -> bool:
        return (
            c.where == AT_ALLOWANCE_CHARGE
            and (charge is None or charge in c.charge)
            and (code in c.raw if raw else c.code == code)
            and (c.vat or not vat)
            and (c.on_root or not on_root)
        )

    return select


def breakdown(code: str, vat: bool = True, raw: bool = False) -> Select:
    """``cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory[...]`` of the document."""
    return lambda c: (
        c.where == AT_SUBTOTAL and (code in c.raw if raw else c.code == code) and (c.vat or not vat)
    )


def count(cats: list[Category], select: Select) -> int:
    """How many of ``cats`` are selected."""
    return sum(map(select, cats))


def any_of(cats: list[Category], select: Select) -> bool:
    """Whether any of ``cats`` is selected."""
    return any(map(select, cats))


# --- what the -08 sums add up: lines, and allowances and charges ---


def _amount(raws: list[str]) -> Decimal:
    """``xs:decimal`` of a part's amount (the string values of its amount elements);
    absent counts as nothing in ``sum()``, two are a dynamic error."""
    if not raws:
        return ZERO
    if len(raws) > 1:
        raise CastError("Amount")
    value = decimal_of_text(raws[0])
    if value is None:
        raise CastError("Amount")
    return value or ZERO


@dataclass(slots=True)
class Contribution:
    """A line, allowance or charge: its categories, amount and sign in the -08 sums."""

    el: Element
    cats: list[Category]  # its ClassifiedTaxCategory / TaxCategory elements
    codes: frozenset[str]  # their normalize-space(cbc:ID)
    amounts: list[str]  # string values of its amount elements (LineExtensionAmount, Amount)
    plus: bool  # a line, or a charge
    minus: bool  # an allowance (an element saying both is counted both ways)
    on_root: bool  # a child of the document root

    def has_rate(self, rate: Decimal) -> bool:
        """``cats/xs:decimal(cbc:Percent) = $rate`` (a malformed percent raises CastError)."""
        for cat in self.cats:
            value = cat.rate()
            if value is _BAD:
                raise CastError("Percent")
            if value == rate:
                return True
        return False

    def amount(self) -> Decimal:
        """``xs:decimal`` of its amount; absent counts as nothing in ``sum()``."""
        return _amount(self.amounts)


def _contribution(el: Element, cats: list[Category], amounts: list[str], line: bool,
                  root: Element) -> Contribution:  # fmt: skip
    codes = frozenset(cat.code for cat in cats if cat.raw)
    if line:
        plus, minus = True, False
    else:  # the scan read the allowance or charge's indicators for its categories
        flags = cats[0].charge
        plus, minus = True in flags, False in flags
    return Contribution(el, cats, codes, amounts, plus, minus, el.getparent() is root)


@dataclass(slots=True)
class LineSums:
    """The lines' part of the -08 sums, added up once per document.

    ``by_code``: Σ amounts of document-level lines per category code. ``by_rate`` (per code
    and rate) and ``used`` (code and rate pairs of any line) only when every line with a
    code has one category with a well-formed rate, so that the existential
    ``cats/xs:decimal(cbc:Percent) = $rate`` is a single dictionary key; otherwise None and
    the rules walk the lines themselves. ``failed``: the keys of either whose sum meets a
    malformed amount (the official sum stops there with a dynamic error)."""

    by_code: dict[str, Decimal]
    by_rate: dict[tuple[str, Decimal], Decimal] | None
    used: set[tuple[str, Decimal]] | None
    failed: set[object]

    def total(self, code: str, rate: Decimal | None) -> Decimal | None:
        """The lines' sum for ``code`` (at ``rate`` when given); None when the per-rate sums
        are not kept, CastError when a summed amount is malformed."""
        if rate is None:
            key: object = code
            total = self.by_code.get(code, ZERO)
        elif self.by_rate is not None:
            key = (code, rate)
            total = self.by_rate.get(key, ZERO)  # type: ignore[call-overload]
        else:
            return None
        if key in self.failed:
            raise CastError("LineExtensionAmount")
        return total


LineGroups = dict[Element, list[Category]]  # a line and its categories, in document order


def line_sums(groups: LineGroups, amounts_of: dict[Element, list[str]], root: Element) -> LineSums:
    """Group the lines' amounts by category code (and rate).

    Works on the lines' categories directly: building a ``Contribution`` per line costs
    more than the sums themselves on a large invoice."""
    by_code: dict[str, Decimal] = {}
    by_rate: dict[tuple[str, Decimal], Decimal] = {}
    used: set[tuple[str, Decimal]] = set()
    failed: set[object] = set()
    single = True  # every line so far has one category, with a well-formed rate
    for line, cats in groups.items():
        cat = cats[0]
        if len(cats) == 1:
            if not cat.raw:
                continue
            codes: tuple[str, ...] | set[str] = (cat.code,)
        else:
            codes = {c.code for c in cats if c.raw}
            if not codes:
                continue
            single = False
        on_root = line.getparent() is root
        amount: Decimal | None = None
        if on_root:
            try:
                amount = _amount(amounts_of[line])
            except CastError:
                amount = None  # malformed: fails every sum it is part of
            for code in codes:
                if amount is None:
                    failed.add(code)
                else:
                    by_code[code] = by_code.get(code, ZERO) + amount
        if not single:
            continue
        rate = cat.rate()
        if rate is _BAD:
            single = False
            continue
        if rate is None:  # no rate: never equal to a breakdown's rate
            continue
        key = (cat.code, rate)
        used.add(key)  # type: ignore[arg-type]
        if on_root:
            if amount is None:
                failed.add(key)
            else:
                by_rate[key] = by_rate.get(key, ZERO) + amount  # type: ignore[index]
    if not single:
        return LineSums(by_code, None, None, failed)
    return LineSums(by_code, by_rate, used, failed)


class VatView:
    """One document's category elements, and (computed on first use) its lines,
    allowances and charges, shared by all the VAT category rules."""

    __slots__ = ("doc", "cats", "codes", "_groups_of", "_lines", "_line_sums", "_allowance_charges")

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.cats = categories(doc)
        #: Every category code used (trimmed and as written): a code not here has no rule
        #: that can fail.
        self.codes = {c.code for c in self.cats} | {raw for c in self.cats for raw in c.raw}
        self._groups_of: dict[str, tuple[LineGroups, dict[Element, list[str]]]] = {}
        self._lines: dict[str, list[Contribution]] = {}
        self._line_sums: dict[str, LineSums] = {}
        self._allowance_charges: list[Contribution] | None = None

    def _groups(self, line_tag: str) -> tuple[LineGroups, dict[Element, list[str]]]:
        """The lines of this kind that have a ``cac:Item/cac:ClassifiedTaxCategory``, with
        their categories and the string values of their net amounts."""
        found = self._groups_of.get(line_tag)
        if found is None:
            doc = self.doc
            groups: LineGroups = {}
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
                for amount in doc.all(LINE_AMOUNT):
                    found_amounts = amounts_of.get(amount.getparent())  # type: ignore[arg-type]
                    if found_amounts is not None:
                        found_amounts.append(string_value(amount))
            found = self._groups_of[line_tag] = (groups, amounts_of)
        return found

    def lines(self, line_tag: str) -> list[Contribution]:
        """Every ``//cac:InvoiceLine`` (or CreditNoteLine) of the document that has a
        ``cac:Item/cac:ClassifiedTaxCategory`` (a line without one adds to no sum)."""
        found = self._lines.get(line_tag)
        if found is None:
            root = self.doc.root
            groups, amounts_of = self._groups(line_tag)
            found = [
                _contribution(line, cats, amounts_of[line], True, root)
                for line, cats in groups.items()
            ]
            self._lines[line_tag] = found
        return found

    def line_sums(self, line_tag: str) -> LineSums:
        """The lines' amounts by category code and rate (see ``LineSums``)."""
        sums = self._line_sums.get(line_tag)
        if sums is None:
            groups, amounts_of = self._groups(line_tag)
            sums = self._line_sums[line_tag] = line_sums(groups, amounts_of, self.doc.root)
        return sums

    def allowance_charges(self) -> list[Contribution]:
        """Every ``//cac:AllowanceCharge`` that has a tax category."""
        if self._allowance_charges is None:
            root = self.doc.root
            cats_of: dict[Element, list[Category]] = {}
            for cat in self.cats:
                if cat.where == AT_ALLOWANCE_CHARGE:
                    cats_of.setdefault(cat.holder, []).append(cat)
            self._allowance_charges = [
                _contribution(ac, cats, [string_value(c) for c in ac if c.tag == AMOUNT], False,
                              root)
                for ac, cats in cats_of.items()
            ]  # fmt: skip
        return self._allowance_charges
