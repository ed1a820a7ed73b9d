"""Document-wide values of the Peppol rule file (its top-level ``<let>``s) and child walking."""

from __future__ import annotations

from tasks.ehf.document import Document, Element, cac, cbc
from tasks.ehf.rules._shared import child, norm_space
from tasks.ehf.rules.peppol.values import element_text

_PROFILE_ID = cbc("ProfileID")
_COUNTRY_PATH = (cac("Party"), cac("PostalAddress"), cac("Country"), cbc("IdentificationCode"))
_SUPPLIER = cac("AccountingSupplierParty")
_CUSTOMER = cac("AccountingCustomerParty")

# $profile: the business processes Peppol BIS Billing 3.0 accepts, as '01' or '02'.
_PROFILES = {
    "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0": "01",
    "urn:peppol:france:billing:regulated": "01",
    "urn:peppol:france:billing:non-regulated": "01",
    "urn:peppol:bis:billing_with_response": "02",
}


def kids(el: Element, tag: str) -> list[Element]:
    """The children of ``el`` with this Clark tag."""
    return [c for c in el if c.tag == tag]


def descend(el: Element | None, *tags: str) -> Element | None:
    """The first element reached from ``el`` by the child path ``tags`` (document order)."""
    nodes = [el] if el is not None else []
    for tag in tags:
        nodes = [c for n in nodes for c in n if c.tag == tag]
    return nodes[0] if nodes else None


def profile(doc: Document) -> str:
    """``$profile``: '01' or '02' for an approved business process, else 'Unknown'."""
    value = norm_space(element_text(child(doc.root, _PROFILE_ID)))
    return _PROFILES.get(value, "Unknown")


def _country(doc: Document, party_tag: str) -> str:
    return norm_space(element_text(descend(child(doc.root, party_tag), *_COUNTRY_PATH))).upper()


def both_german(doc: Document) -> bool:
    """``$supplierCountryIsDE and $customerCountryIsDE`` (by postal address country)."""
    return _country(doc, _SUPPLIER) == "DE" and _country(doc, _CUSTOMER) == "DE"
