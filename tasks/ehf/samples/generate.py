"""Builds valid EHF / Peppol BIS Billing 3.0 documents: for the demo's scenarios, tests and
benchmarks of any size.

``build_document`` writes an Invoice or CreditNote from an ``InvoiceSpec`` (Norwegian parties
with mod-11 organisation numbers, standard-rated lines), with totals and the VAT breakdown
computed exactly as EN 16931 requires (two decimals, half up). ``generate_invoice`` makes a
large invoice of N lines for the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape, quoteattr

_CENT = Decimal("0.01")
_ORG_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
_RATES = (Decimal(25), Decimal(15))
BIS3 = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


def org_number(base: int) -> str:
    """The first valid Norwegian organisation number (mod 11) at or after the 8-digit ``base``."""
    while True:
        digits = [int(d) for d in f"{base:08d}"]
        check = 11 - sum(w * d for w, d in zip(_ORG_WEIGHTS, digits, strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return f"{base:08d}{check}"
        base += 1


@dataclass(frozen=True)
class PartySpec:
    """A Norwegian party: organisation number, name and address."""

    orgnr: str
    name: str
    street: str = "Storgata 1"
    city: str = "Oslo"
    zone: str = "0155"
    vat_registered: bool = True


@dataclass(frozen=True)
class LineSpec:
    """One line: item, quantity and net unit price; ``order_line`` refers to the order."""

    item: str
    name: str
    quantity: Decimal
    price: Decimal
    vat_percent: Decimal = Decimal(25)
    unit: str = "EA"
    order_line: str | None = None

    @property
    def amount(self) -> Decimal:
        """The line's net amount, rounded to øre."""
        return (self.quantity * self.price).quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class InvoiceSpec:
    """What a generated invoice or credit note says."""

    number: str
    supplier: PartySpec
    buyer: PartySpec
    lines: tuple[LineSpec, ...]
    document: str = "Invoice"  # or "CreditNote"
    issue_date: str = "2026-05-04"
    due_date: str | None = "2026-06-03"
    currency: str = "NOK"
    order_reference: str | None = None
    buyer_reference: str | None = None
    billing_reference: str | None = None  # the invoice a credit note corrects
    account: str = "86011117947"
    kid: str | None = None
    customization_id: str = BIS3
    attachments: tuple[tuple[str, str, str], ...] = field(default=())  # (file, MIME, base64)


def _money(value: Decimal) -> str:
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def _party(party: PartySpec) -> str:
    tax = (
        f"<cac:PartyTaxScheme><cbc:CompanyID>NO{party.orgnr}MVA</cbc:CompanyID>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        "<cac:PartyTaxScheme><cbc:CompanyID>Foretaksregisteret</cbc:CompanyID>"
        "<cac:TaxScheme><cbc:ID>TAX</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        if party.vat_registered
        else ""
    )
    name = escape(party.name)
    return (
        f'<cac:Party><cbc:EndpointID schemeID="0192">{party.orgnr}</cbc:EndpointID>'
        f"<cac:PartyName><cbc:Name>{name}</cbc:Name></cac:PartyName>"
        f"<cac:PostalAddress><cbc:StreetName>{escape(party.street)}</cbc:StreetName>"
        f"<cbc:CityName>{escape(party.city)}</cbc:CityName>"
        f"<cbc:PostalZone>{party.zone}</cbc:PostalZone>"
        "<cac:Country><cbc:IdentificationCode>NO</cbc:IdentificationCode></cac:Country>"
        f"</cac:PostalAddress>{tax}"
        f"<cac:PartyLegalEntity><cbc:RegistrationName>{name}</cbc:RegistrationName>"
        f'<cbc:CompanyID schemeID="0192">{party.orgnr}</cbc:CompanyID></cac:PartyLegalEntity>'
        "</cac:Party>"
    )


def _category(rate: Decimal, tag: str) -> str:
    return (
        f"<cac:{tag}><cbc:ID>S</cbc:ID><cbc:Percent>{rate}</cbc:Percent>"
        f"<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:{tag}>"
    )


def _line(number: int, line: LineSpec, spec: InvoiceSpec) -> str:
    kind, quantity_tag = (
        ("CreditNoteLine", "CreditedQuantity")
        if spec.document == "CreditNote"
        else ("InvoiceLine", "InvoicedQuantity")
    )
    order_line = (
        f"<cac:OrderLineReference><cbc:LineID>{escape(line.order_line)}</cbc:LineID>"
        "</cac:OrderLineReference>"
        if line.order_line
        else ""
    )
    return (
        f"<cac:{kind}><cbc:ID>{number}</cbc:ID>"
        f'<cbc:{quantity_tag} unitCode="{line.unit}">{line.quantity}</cbc:{quantity_tag}>'
        f'<cbc:LineExtensionAmount currencyID="{spec.currency}">{_money(line.amount)}'
        f"</cbc:LineExtensionAmount>{order_line}"
        f"<cac:Item><cbc:Name>{escape(line.name)}</cbc:Name>"
        f"<cac:SellersItemIdentification><cbc:ID>{escape(line.item)}</cbc:ID>"
        "</cac:SellersItemIdentification>"
        f"{_category(line.vat_percent, 'ClassifiedTaxCategory')}</cac:Item>"
        f'<cac:Price><cbc:PriceAmount currencyID="{spec.currency}">{line.price}</cbc:PriceAmount>'
        f'<cbc:BaseQuantity unitCode="{line.unit}">1</cbc:BaseQuantity></cac:Price>'
        f"</cac:{kind}>"
    )


def _optional(tag: str, value: str | None) -> str:
    return f"<cbc:{tag}>{escape(value)}</cbc:{tag}>" if value else ""


def build_document(spec: InvoiceSpec) -> bytes:
    """The UBL 2.1 Invoice or CreditNote for ``spec``, as UTF-8 bytes."""
    if not spec.lines:
        raise ValueError("an invoice needs at least one line")
    credit = spec.document == "CreditNote"
    cur = spec.currency
    taxable: dict[Decimal, Decimal] = {}
    for line in spec.lines:
        taxable[line.vat_percent] = taxable.get(line.vat_percent, Decimal(0)) + line.amount
    subtotals, tax_total = [], Decimal(0)
    for rate in sorted(taxable):
        tax = (taxable[rate] * rate / 100).quantize(_CENT, rounding=ROUND_HALF_UP)
        tax_total += tax
        subtotals.append(
            f'<cac:TaxSubtotal><cbc:TaxableAmount currencyID="{cur}">{_money(taxable[rate])}'
            f'</cbc:TaxableAmount><cbc:TaxAmount currencyID="{cur}">{_money(tax)}</cbc:TaxAmount>'
            f"{_category(rate, 'TaxCategory')}</cac:TaxSubtotal>"
        )
    net = sum(taxable.values(), Decimal(0))
    gross = net + tax_total
    root = "CreditNote" if credit else "Invoice"
    ns = f"urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
    order = (
        f"<cac:OrderReference><cbc:ID>{escape(spec.order_reference)}</cbc:ID></cac:OrderReference>"
        if spec.order_reference
        else ""
    )
    billing = (
        "<cac:BillingReference><cac:InvoiceDocumentReference>"
        f"<cbc:ID>{escape(spec.billing_reference)}</cbc:ID></cac:InvoiceDocumentReference>"
        "</cac:BillingReference>"
        if spec.billing_reference
        else ""
    )
    attachments = "".join(
        f"<cac:AdditionalDocumentReference><cbc:ID>{escape(name)}</cbc:ID><cac:Attachment>"
        f"<cbc:EmbeddedDocumentBinaryObject mimeCode={quoteattr(mime)} filename={quoteattr(name)}"
        f">{content}</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>"
        "</cac:AdditionalDocumentReference>"
        for name, mime, content in spec.attachments
    )
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="{ns}" '
        'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
        'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        f"<cbc:CustomizationID>{escape(spec.customization_id)}</cbc:CustomizationID>"
        f"<cbc:ProfileID>{PROFILE}</cbc:ProfileID>"
        f"<cbc:ID>{escape(spec.number)}</cbc:ID><cbc:IssueDate>{spec.issue_date}</cbc:IssueDate>"
        + ("" if credit else _optional("DueDate", spec.due_date))
        + (
            "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"
            if credit
            else "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"
        )
        + f"<cbc:DocumentCurrencyCode>{cur}</cbc:DocumentCurrencyCode>"
        + _optional("BuyerReference", spec.buyer_reference)
        + order
        + billing
        + attachments
        + "<cac:AccountingSupplierParty>"
        + _party(spec.supplier)
        + "</cac:AccountingSupplierParty><cac:AccountingCustomerParty>"
        + _party(spec.buyer)
        + "</cac:AccountingCustomerParty>"
        f"<cac:Delivery><cbc:ActualDeliveryDate>{spec.issue_date}</cbc:ActualDeliveryDate>"
        "</cac:Delivery>"
        "<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
        + _optional("PaymentID", spec.kid)
        + f"<cac:PayeeFinancialAccount><cbc:ID>{escape(spec.account)}</cbc:ID>"
        "</cac:PayeeFinancialAccount></cac:PaymentMeans>"
        f'<cac:TaxTotal><cbc:TaxAmount currencyID="{cur}">{_money(tax_total)}</cbc:TaxAmount>'
        + "".join(subtotals)
        + "</cac:TaxTotal><cac:LegalMonetaryTotal>"
        f'<cbc:LineExtensionAmount currencyID="{cur}">{_money(net)}</cbc:LineExtensionAmount>'
        f'<cbc:TaxExclusiveAmount currencyID="{cur}">{_money(net)}</cbc:TaxExclusiveAmount>'
        f'<cbc:TaxInclusiveAmount currencyID="{cur}">{_money(gross)}</cbc:TaxInclusiveAmount>'
        f'<cbc:PayableAmount currencyID="{cur}">{_money(gross)}</cbc:PayableAmount>'
        "</cac:LegalMonetaryTotal>"
    )
    body = "".join(_line(n, line, spec) for n, line in enumerate(spec.lines, start=1))
    return (head + body + f"</{root}>\n").encode("utf-8")


def _generated_line(number: int) -> LineSpec:
    """A deterministic line for the benchmark invoice, alternating 25 % and 15 % VAT."""
    return LineSpec(
        item=f"ART-{number:05d}",
        name=f"Vare {number}",
        quantity=Decimal(number % 7 + 1),
        price=Decimal(100 + (number * 37) % 9000) / 100,
        vat_percent=_RATES[number % 2],
    )


def generate_invoice(lines: int = 10, *, invoice_id: str = "GEN-1") -> bytes:
    """A valid Peppol BIS Billing 3.0 invoice with ``lines`` invoice lines, as UTF-8 bytes."""
    if lines < 1:
        raise ValueError("an invoice needs at least one line")
    spec = InvoiceSpec(
        number=invoice_id,
        supplier=PartySpec(
            org_number(92165432), "Fjordkontor Leverandør AS", "Strandgata 12", "Bergen", "5013"
        ),
        buyer=PartySpec(
            org_number(96418293),
            "Eksempel kommune",
            "Rådhusplassen 1",
            "Eksempelby",
            "7010",
            vat_registered=False,
        ),
        lines=tuple(_generated_line(n) for n in range(1, lines + 1)),
        order_reference="PO-2026-0042",
        buyer_reference="4021-ansvar-310",
        account="NO9386011117947",
        kid="1234567897",
    )
    return build_document(spec)
