"""Generates valid EHF / Peppol BIS Billing 3.0 invoices of any size (for benchmarks and tests).

The invoice is a Norwegian B2G invoice: a VAT-registered Norwegian supplier (organisation
number with a correct mod 11 check digit, ``NO…MVA``, Foretaksregisteret) bills a
municipality. Lines alternate between the 25 % and 15 % VAT rates, and the totals and VAT
breakdown are computed exactly as EN 16931 requires (two decimals, half up).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

_CENT = Decimal("0.01")
_ORG_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
_RATES = (Decimal(25), Decimal(15))


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


def _money(value: Decimal) -> str:
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def _party(org: str, name: str, street: str, city: str, zone: str, vat: bool) -> str:
    tax = (
        f"<cac:PartyTaxScheme><cbc:CompanyID>NO{org}MVA</cbc:CompanyID>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        "<cac:PartyTaxScheme><cbc:CompanyID>Foretaksregisteret</cbc:CompanyID>"
        "<cac:TaxScheme><cbc:ID>TAX</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        if vat
        else ""
    )
    return (
        f'<cac:Party><cbc:EndpointID schemeID="0192">{org}</cbc:EndpointID>'
        f"<cac:PartyName><cbc:Name>{escape(name)}</cbc:Name></cac:PartyName>"
        f"<cac:PostalAddress><cbc:StreetName>{escape(street)}</cbc:StreetName>"
        f"<cbc:CityName>{escape(city)}</cbc:CityName><cbc:PostalZone>{zone}</cbc:PostalZone>"
        "<cac:Country><cbc:IdentificationCode>NO</cbc:IdentificationCode></cac:Country>"
        f"</cac:PostalAddress>{tax}"
        f"<cac:PartyLegalEntity><cbc:RegistrationName>{escape(name)}</cbc:RegistrationName>"
        f'<cbc:CompanyID schemeID="0192">{org}</cbc:CompanyID></cac:PartyLegalEntity>'
        "</cac:Party>"
    )


def _category(rate: Decimal) -> str:
    return (
        f"<cbc:ID>S</cbc:ID><cbc:Percent>{rate}</cbc:Percent>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>"
    )


def _line(number: int) -> tuple[str, Decimal, Decimal]:
    """One invoice line: its XML, its net amount and its VAT rate (deterministic in ``number``)."""
    quantity = Decimal(number % 7 + 1)
    price = Decimal(100 + (number * 37) % 9000) / 100
    amount = (quantity * price).quantize(_CENT)
    rate = _RATES[number % 2]
    xml = (
        f"<cac:InvoiceLine><cbc:ID>{number}</cbc:ID>"
        f'<cbc:InvoicedQuantity unitCode="EA">{quantity}</cbc:InvoicedQuantity>'
        f'<cbc:LineExtensionAmount currencyID="NOK">{amount}</cbc:LineExtensionAmount>'
        f"<cac:Item><cbc:Name>Vare {number}</cbc:Name>"
        f"<cac:SellersItemIdentification><cbc:ID>ART-{number:05d}</cbc:ID>"
        f"</cac:SellersItemIdentification>"
        f"<cac:ClassifiedTaxCategory>{_category(rate)}</cac:ClassifiedTaxCategory></cac:Item>"
        f'<cac:Price><cbc:PriceAmount currencyID="NOK">{price}</cbc:PriceAmount>'
        f'<cbc:BaseQuantity unitCode="EA">1</cbc:BaseQuantity></cac:Price>'
        "</cac:InvoiceLine>"
    )
    return xml, amount, rate


def generate_invoice(lines: int = 10, *, invoice_id: str = "GEN-1") -> bytes:
    """A valid Peppol BIS Billing 3.0 invoice with ``lines`` invoice lines, as UTF-8 bytes."""
    if lines < 1:
        raise ValueError("an invoice needs at least one line")
    supplier = org_number(92165432)
    buyer = org_number(96418293)
    body: list[str] = []
    taxable = {rate: Decimal(0) for rate in _RATES}
    for number in range(1, lines + 1):
        xml, amount, rate = _line(number)
        body.append(xml)
        taxable[rate] += amount
    subtotals: list[str] = []
    tax_total = Decimal(0)
    for rate in sorted(r for r in _RATES if taxable[r]):
        tax = (taxable[rate] * rate / 100).quantize(_CENT, rounding=ROUND_HALF_UP)
        tax_total += tax
        subtotals.append(
            f'<cac:TaxSubtotal><cbc:TaxableAmount currencyID="NOK">{_money(taxable[rate])}'
            f'</cbc:TaxableAmount><cbc:TaxAmount currencyID="NOK">{_money(tax)}</cbc:TaxAmount>'
            f"<cac:TaxCategory>{_category(rate)}</cac:TaxCategory></cac:TaxSubtotal>"
        )
    net = sum(taxable.values(), Decimal(0))
    gross = net + tax_total
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
        'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        "<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#"
        "urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>"
        "<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>"
        f"<cbc:ID>{escape(invoice_id)}</cbc:ID><cbc:IssueDate>2026-05-04</cbc:IssueDate>"
        "<cbc:DueDate>2026-06-03</cbc:DueDate><cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"
        "<cbc:DocumentCurrencyCode>NOK</cbc:DocumentCurrencyCode>"
        "<cbc:BuyerReference>4021-ansvar-310</cbc:BuyerReference>"
        "<cac:OrderReference><cbc:ID>PO-2026-0042</cbc:ID></cac:OrderReference>"
        "<cac:AccountingSupplierParty>"
        + _party(supplier, "Fjordkontor Leverandør AS", "Strandgata 12", "Bergen", "5013", True)
        + "</cac:AccountingSupplierParty><cac:AccountingCustomerParty>"
        + _party(buyer, "Eksempel kommune", "Rådhusplassen 1", "Eksempelby", "7010", False)
        + "</cac:AccountingCustomerParty>"
        "<cac:Delivery><cbc:ActualDeliveryDate>2026-04-30</cbc:ActualDeliveryDate></cac:Delivery>"
        "<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
        "<cbc:PaymentID>1234567890</cbc:PaymentID><cac:PayeeFinancialAccount>"
        "<cbc:ID>NO9386011117947</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>"
        "<cac:PaymentTerms><cbc:Note>30 dager netto</cbc:Note></cac:PaymentTerms>"
        f'<cac:TaxTotal><cbc:TaxAmount currencyID="NOK">{_money(tax_total)}</cbc:TaxAmount>'
        + "".join(subtotals)
        + "</cac:TaxTotal><cac:LegalMonetaryTotal>"
        f'<cbc:LineExtensionAmount currencyID="NOK">{_money(net)}</cbc:LineExtensionAmount>'
        f'<cbc:TaxExclusiveAmount currencyID="NOK">{_money(net)}</cbc:TaxExclusiveAmount>'
        f'<cbc:TaxInclusiveAmount currencyID="NOK">{_money(gross)}</cbc:TaxInclusiveAmount>'
        f'<cbc:PayableAmount currencyID="NOK">{_money(gross)}</cbc:PayableAmount>'
        "</cac:LegalMonetaryTotal>"
    )
    return (head + "".join(body) + "</Invoice>\n").encode("utf-8")
