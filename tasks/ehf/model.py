"""The parsed invoice: what receipt, control and matching need, as frozen dataclasses.

Parsing is lenient on purpose: a value that cannot be read (a malformed amount or date)
becomes ``None`` here, and the validator reports it as a finding. Nothing here raises on a
well-formed UBL document.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from tasks.ehf.document import Element
from tasks.ehf.vocabulary import cac, cbc
from tasks.ehf.xpathfn import (
    children_by_tag,
    first,
    first_of,
    normalize_space,
    ntext,
    select,
    string_value,
    to_decimal,
)

PEPPOL_BIS3_INVOICE = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"


@dataclass(frozen=True)
class Party:
    """Seller or buyer as stated on the invoice."""

    name: str | None
    orgnr: str | None  # the organisation number, derived as ``organisation_number`` says
    legal_id: str | None  # PartyLegalEntity/CompanyID as written
    vat_number: str | None  # PartyTaxScheme/CompanyID where the scheme is VAT
    endpoint_id: str | None
    endpoint_scheme: str | None
    country: str | None


@dataclass(frozen=True)
class Totals:
    """The document totals (BG-22) and the VAT total in the document currency."""

    line_extension: Decimal | None
    tax_exclusive: Decimal | None
    tax_inclusive: Decimal | None
    allowance_total: Decimal | None
    charge_total: Decimal | None
    prepaid: Decimal | None
    rounding: Decimal | None
    payable: Decimal | None
    tax_amount: Decimal | None


@dataclass(frozen=True)
class Line:
    """An invoice or credit-note line."""

    line_id: str
    quantity: Decimal | None
    unit_code: str | None
    line_amount: Decimal | None
    price_amount: Decimal | None
    base_quantity: Decimal | None
    item_name: str | None
    seller_item_id: str | None
    standard_item_id: str | None
    order_line_id: str | None
    vat_category: str | None
    vat_percent: Decimal | None
    accounting_cost: str | None

    @property
    def net_unit_price(self) -> Decimal | None:
        """PriceAmount per BaseQuantity (PriceAmount is already net of price discounts)."""
        if self.price_amount is None:
            return None
        base = self.base_quantity if self.base_quantity not in (None, Decimal(0)) else Decimal(1)
        return self.price_amount / base


@dataclass(frozen=True)
class Attachment:
    """An embedded attachment (AdditionalDocumentReference/Attachment)."""

    id: str | None
    filename: str | None
    mime_code: str | None
    content: bytes


@dataclass(frozen=True)
class Invoice:
    """An EHF Invoice or CreditNote, parsed once."""

    document: str  # "Invoice" | "CreditNote"
    customization_id: str | None
    profile_id: str | None
    number: str | None
    issue_date: date | None
    due_date: date | None
    type_code: str | None
    currency: str | None
    supplier: Party
    buyer: Party
    order_reference: str | None
    buyer_reference: str | None
    billing_references: tuple[str, ...]
    payment_means_code: str | None
    payee_account: str | None
    payment_id: str | None
    totals: Totals
    lines: tuple[Line, ...]
    attachments: tuple[Attachment, ...]

    @property
    def is_credit_note(self) -> bool:
        """True for a CreditNote document (or an Invoice with type code 381)."""
        return self.document == "CreditNote" or self.type_code == "381"

    def key_fields(self) -> dict[str, Any]:
        """A JSON-safe dict of everything but attachment contents, for the invoice record."""
        data = {name: _json_safe(getattr(self, name)) for name in _field_names(Invoice)}
        data["attachments"] = [
            {"id": a.id, "filename": a.filename, "mime_code": a.mime_code, "size": len(a.content)}
            for a in self.attachments
        ]
        return data


def _json_safe(value: Any) -> Any:
    """``value`` as JSON: dataclasses as dicts, tuples as lists, amounts and dates as text.
    (``dataclasses.asdict`` deep-copies every value first: it was most of the cost.)"""
    if isinstance(value, tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(type(value), "__dataclass_fields__"):
        return {name: _json_safe(getattr(value, name)) for name in _field_names(type(value))}
    return value


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


def _opt(value: str) -> str | None:
    return value or None


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _amount(el: Element, path: str) -> Decimal | None:
    return _decimal_of(first(el, path))


def _decimal_of(node: Element | None) -> Decimal | None:
    return to_decimal(string_value(node)) if node is not None else None


def _is_vat_scheme(tax_scheme_holder: Element) -> bool:
    return ntext(tax_scheme_holder, "cac:TaxScheme/cbc:ID").upper() == "VAT"


def organisation_number(
    legal_id: str | None, vat_number: str | None, endpoint: Element | None
) -> str | None:
    """The Norwegian organisation number of a party: PartyLegalEntity/CompanyID; else the VAT
    number without ``NO`` and ``MVA``; else an EndpointID with scheme 0192 (Norway's ICD)."""
    if legal_id:
        return legal_id.replace(" ", "")
    if vat_number:
        compact = vat_number.replace(" ", "").upper()
        if compact.startswith("NO") and compact.endswith("MVA"):
            return compact[2:-3]
    if endpoint is not None and endpoint.get("schemeID") == "0192":
        return normalize_space(string_value(endpoint))
    return None


def _party(container: Element | None) -> Party:
    party = first(container, "cac:Party") if container is not None else None
    if party is None:
        return Party(None, None, None, None, None, None, None)
    legal_id = _opt(ntext(party, "cac:PartyLegalEntity/cbc:CompanyID"))
    vat_number = None
    for scheme in select(party, "cac:PartyTaxScheme"):
        if _is_vat_scheme(scheme):
            vat_number = _opt(ntext(scheme, "cbc:CompanyID"))
            break
    endpoint = first(party, "cbc:EndpointID")
    name = _opt(ntext(party, "cac:PartyLegalEntity/cbc:RegistrationName")) or _opt(
        ntext(party, "cac:PartyName/cbc:Name")
    )
    return Party(
        name=name,
        orgnr=organisation_number(legal_id, vat_number, endpoint),
        legal_id=legal_id,
        vat_number=vat_number,
        endpoint_id=_opt(normalize_space(string_value(endpoint))) if endpoint is not None else None,
        endpoint_scheme=endpoint.get("schemeID") if endpoint is not None else None,
        country=_opt(ntext(party, "cac:PostalAddress/cac:Country/cbc:IdentificationCode")),
    )


def _line(el: Element, quantity_tag: str) -> Line:
    kids = children_by_tag(el)  # a line is asked for a dozen paths: its children once

    def text(path: str) -> str | None:
        return _opt(normalize_space(string_value(first_of(kids, path))))

    quantity = first_of(kids, quantity_tag)
    item = first_of(kids, "cac:Item")
    category = first(item, "cac:ClassifiedTaxCategory") if item is not None else None
    return Line(
        line_id=text("cbc:ID") or "",
        quantity=_decimal_of(quantity),
        unit_code=quantity.get("unitCode") if quantity is not None else None,
        line_amount=_decimal_of(first_of(kids, "cbc:LineExtensionAmount")),
        price_amount=_decimal_of(first_of(kids, "cac:Price/cbc:PriceAmount")),
        base_quantity=_decimal_of(first_of(kids, "cac:Price/cbc:BaseQuantity")),
        item_name=text("cac:Item/cbc:Name"),
        seller_item_id=text("cac:Item/cac:SellersItemIdentification/cbc:ID"),
        standard_item_id=text("cac:Item/cac:StandardItemIdentification/cbc:ID"),
        order_line_id=text("cac:OrderLineReference/cbc:LineID"),
        vat_category=_opt(ntext(category, "cbc:ID")) if category is not None else None,
        vat_percent=_amount(category, "cbc:Percent") if category is not None else None,
        accounting_cost=text("cbc:AccountingCost"),
    )


def _attachments(root: Element) -> tuple[Attachment, ...]:
    import base64
    import binascii

    found = []
    for ref in select(root, "cac:AdditionalDocumentReference"):
        blob = first(ref, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
        if blob is None:
            continue
        try:
            content = base64.b64decode("".join(string_value(blob).split()), validate=True)
        except (binascii.Error, ValueError):
            content = b""
        found.append(
            Attachment(
                id=_opt(ntext(ref, "cbc:ID")),
                filename=blob.get("filename"),
                mime_code=blob.get("mimeCode"),
                content=content,
            )
        )
    return tuple(found)


def _document_tax_amount(root: Element, currency: str | None) -> Decimal | None:
    totals = select(root, "cac:TaxTotal")
    for total in totals:
        amount = first(total, "cbc:TaxAmount")
        if amount is not None and (currency is None or amount.get("currencyID") == currency):
            return to_decimal(string_value(amount))
    return None


def parse_invoice(root: Element) -> Invoice:
    """Read the key fields of a UBL Invoice or CreditNote root element."""
    is_credit = root.tag.endswith("}CreditNote")
    line_tag, quantity_tag = (
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
        if is_credit
        else ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    )
    currency = _opt(ntext(root, "cbc:DocumentCurrencyCode"))
    monetary = first(root, "cac:LegalMonetaryTotal")

    def total(tag: str) -> Decimal | None:
        return _amount(monetary, tag) if monetary is not None else None

    payment = first(root, "cac:PaymentMeans")
    due = ntext(root, "cbc:DueDate") or (
        ntext(payment, "cbc:PaymentDueDate") if payment is not None else ""
    )
    return Invoice(
        document="CreditNote" if is_credit else "Invoice",
        customization_id=_opt(ntext(root, "cbc:CustomizationID")),
        profile_id=_opt(ntext(root, "cbc:ProfileID")),
        number=_opt(ntext(root, "cbc:ID")),
        issue_date=_date(ntext(root, "cbc:IssueDate")),
        due_date=_date(due),
        type_code=_opt(
            ntext(root, "cbc:CreditNoteTypeCode" if is_credit else "cbc:InvoiceTypeCode")
        ),
        currency=currency,
        supplier=_party(first(root, "cac:AccountingSupplierParty")),
        buyer=_party(first(root, "cac:AccountingCustomerParty")),
        order_reference=_opt(ntext(root, "cac:OrderReference/cbc:ID")),
        buyer_reference=_opt(ntext(root, "cbc:BuyerReference")),
        billing_references=tuple(
            v
            for ref in select(root, "cac:BillingReference/cac:InvoiceDocumentReference")
            if (v := ntext(ref, "cbc:ID"))
        ),
        payment_means_code=_opt(ntext(payment, "cbc:PaymentMeansCode"))
        if payment is not None
        else None,
        payee_account=_opt(ntext(payment, "cac:PayeeFinancialAccount/cbc:ID"))
        if payment is not None
        else None,
        payment_id=_opt(ntext(payment, "cbc:PaymentID")) if payment is not None else None,
        totals=Totals(
            line_extension=total("cbc:LineExtensionAmount"),
            tax_exclusive=total("cbc:TaxExclusiveAmount"),
            tax_inclusive=total("cbc:TaxInclusiveAmount"),
            allowance_total=total("cbc:AllowanceTotalAmount"),
            charge_total=total("cbc:ChargeTotalAmount"),
            prepaid=total("cbc:PrepaidAmount"),
            rounding=total("cbc:PayableRoundingAmount"),
            payable=total("cbc:PayableAmount"),
            tax_amount=_document_tax_amount(root, currency),
        ),
        lines=tuple(_line(el, quantity_tag) for el in select(root, line_tag)),
        attachments=_attachments(root),
    )


__all__ = ["Attachment", "Invoice", "Line", "Party", "Totals", "parse_invoice", "cac", "cbc"]
