"""What the VAT category rules know of a document's category elements, and the XPath
value rules they use (casts, normalize-space, the VAT-scheme test)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from tasks.ehf.document import Document, Element, cac, cbc, string_value
from tasks.ehf.rules.cen_codes import charge_indicators
from tasks.ehf.xpathfn import to_decimal, to_number

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


class CastError(Exception):
    """A value the official rules cast would make the XPath engine stop (a finding for us)."""


def norm(value: str) -> str:
    """XPath ``normalize-space`` (only the four XML white-space characters count)."""
    if " " not in value and "\n" not in value and "\t" not in value and "\r" not in value:
        return value
    for ch in "\t\r\n":
        value = value.replace(ch, " ")
    return " ".join(t for t in value.split(" ") if t)


def is_vat_scheme(el: Element) -> bool:
    """``cac:TaxScheme/normalize-space(upper-case(cbc:ID)) = 'VAT'`` on ``el``."""
    for scheme in el:
        if scheme.tag == TAX_SCHEME:
            for child in scheme:
                if child.tag == ID:
                    if norm(string_value(child).upper()) == "VAT":
                        return True
                    break
            # a scheme without an ID compares '' = 'VAT': false
    return False


# Amounts and rates repeat within and across documents; Decimal values are immutable.
parse_decimal = lru_cache(maxsize=4096)(to_decimal)
parse_double = lru_cache(maxsize=1024)(to_number)


def decimal_of(el: Element, tag: str) -> Decimal | None:
    """``xs:decimal(tag)`` on ``el``'s children: None when absent, CastError when it fails."""
    found = [c for c in el if c.tag == tag]
    if not found:
        return None
    if len(found) > 1:
        raise CastError(tag)
    value = parse_decimal(string_value(found[0]))
    if value is None:
        raise CastError(tag)
    return value


def double_plus(el: Element, tag: str, delta: int) -> Decimal | None:
    """``xs:decimal(tag + delta)``: the arithmetic runs in xs:double first (so ``1e3`` is
    accepted), then the double converts exactly to a decimal, as Saxon does."""
    found = [c for c in el if c.tag == tag]
    if not found:
        return None
    if len(found) > 1:
        raise CastError(tag)
    value = parse_double(string_value(found[0]))
    if value is None:
        raise CastError(tag)
    return Decimal(float(value) + delta)


def percent_compare(cat: Element, ok: Callable[[Decimal], bool]) -> bool:
    """``(cbc:Percent) > 0`` style: existential, each Percent cast to xs:double."""
    result = False
    for child in cat:
        if child.tag == PERCENT:
            value = parse_double(string_value(child))
            if value is None:
                raise CastError("Percent")
            result = result or ok(value)
    return result


@dataclass(slots=True)
class Category:
    """A cac:TaxCategory or cac:ClassifiedTaxCategory and the facts the rules ask of it."""

    el: Element
    classified: bool
    code: str  # normalize-space(cbc:ID) of its first ID
    raw: tuple[str, ...]  # the string values of its IDs (for the rules that do not trim)
    vat: bool
    where: str
    charge: frozenset[bool]  # ChargeIndicator values of the parent AllowanceCharge
    on_root: bool  # the parent AllowanceCharge is a document-level one


def scan(doc: Document) -> list[Category]:
    """Every cac:TaxCategory and cac:ClassifiedTaxCategory of the document, classified."""
    root = doc.root
    found = []
    for tag, classified in ((TAX_CATEGORY, False), (CLASSIFIED, True)):
        for el in doc.all(tag):
            ids = [string_value(c) for c in el if c.tag == ID]
            parent = el.getparent()
            where, charge, on_root = AT_OTHER, frozenset(), False
            if classified:
                if parent.tag == ITEM and (gp := parent.getparent()) is not None:
                    where = AT_LINE if gp.tag in LINE_TAGS else AT_OTHER
            elif parent.tag == ALLOWANCE_CHARGE:
                where, charge = AT_ALLOWANCE_CHARGE, frozenset(charge_indicators(parent))
                on_root = parent.getparent() is root
            elif parent.tag == TAX_SUBTOTAL:
                total = parent.getparent()
                if total is not None and total.tag == TAX_TOTAL and total.getparent() is root:
                    where = AT_SUBTOTAL
            code = norm(ids[0]) if ids else ""
            found.append(
                Category(el, classified, code, tuple(ids), is_vat_scheme(el), where, charge,
                         on_root)
            )  # fmt: skip
    return found


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


def first_id_code(cat: Element) -> str | None:
    """``normalize-space(cbc:ID)`` of a category (None when it has no ID)."""
    for child in cat:
        if child.tag == ID:
            return norm(string_value(child))
    return None


_BAD = object()  # a percent whose xs:decimal cast fails


def _rate_or_bad(cat: Element) -> object:
    try:
        return decimal_of(cat, PERCENT)
    except CastError:
        return _BAD


@dataclass(slots=True)
class Contribution:
    """A line, allowance or charge: its categories, amount and sign in the -08 sums."""

    el: Element
    cats: list[Element]  # its ClassifiedTaxCategory / TaxCategory elements
    codes: frozenset[str]  # their normalize-space(cbc:ID)
    amount_tag: str
    plus: bool  # a line, or a charge
    minus: bool  # an allowance (an element saying both is counted both ways)
    on_root: bool  # a child of the document root
    rates: list[object] | None = None  # xs:decimal(cbc:Percent) per category, on first use

    def has_rate(self, rate: Decimal) -> bool:
        """``cats/xs:decimal(cbc:Percent) = $rate`` (a malformed percent raises CastError)."""
        if self.rates is None:
            self.rates = [_rate_or_bad(cat) for cat in self.cats]
        for value in self.rates:
            if value is _BAD:
                raise CastError("Percent")
            if value == rate:
                return True
        return False

    def amount(self) -> Decimal:
        """``xs:decimal`` of its amount; absent counts as nothing in ``sum()``."""
        return decimal_of(self.el, self.amount_tag) or ZERO


def _contribution(el: Element, cats: list[Element], amount_tag: str, root: Element) -> Contribution:
    codes = frozenset(code for cat in cats if (code := first_id_code(cat)) is not None)
    if amount_tag == LINE_AMOUNT:
        plus, minus = True, False
    else:
        flags = charge_indicators(el)
        plus, minus = True in flags, False in flags
    return Contribution(el, cats, codes, amount_tag, plus, minus, el.getparent() is root)


class VatView:
    """One document's category elements, and (computed on first use) its lines,
    allowances and charges, shared by all the VAT category rules."""

    __slots__ = ("doc", "cats", "codes", "_lines", "_allowance_charges")

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.cats = scan(doc)
        #: Every category code used (trimmed and as written): a code not here has no rule
        #: that can fail.
        self.codes = {c.code for c in self.cats} | {raw for c in self.cats for raw in c.raw}
        self._lines: dict[str, list[Contribution]] = {}
        self._allowance_charges: list[Contribution] | None = None

    def lines(self, line_tag: str) -> list[Contribution]:
        """Every ``//cac:InvoiceLine`` (or CreditNoteLine) of the document."""
        found = self._lines.get(line_tag)
        if found is None:
            root = self.doc.root
            found = [
                _contribution(line, [c for i in line if i.tag == ITEM for c in i
                                     if c.tag == CLASSIFIED], LINE_AMOUNT, root)
                for line in self.doc.all(line_tag)
            ]  # fmt: skip
            self._lines[line_tag] = found
        return found

    def allowance_charges(self) -> list[Contribution]:
        """Every ``//cac:AllowanceCharge`` that has a tax category."""
        if self._allowance_charges is None:
            root = self.doc.root
            self._allowance_charges = [
                _contribution(ac, cats, AMOUNT, root)
                for ac in self.doc.all(ALLOWANCE_CHARGE)
                if (cats := [c for c in ac if c.tag == TAX_CATEGORY])
            ]
        return self._allowance_charges
