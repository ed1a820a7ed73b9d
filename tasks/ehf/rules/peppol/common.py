"""Document-wide values of the Peppol rule file (its top-level ``<let>``s) and child walking."""

from __future__ import annotations

from tasks.ehf.document import Document, Element, string_value
from tasks.ehf.rules._shared import norm_space, shared_children
from tasks.ehf.rules.national._common import countries
from tasks.ehf.vocabulary import PROFILE_ID

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


def profile(doc: Document) -> str:
    """``$profile``: '01' or '02' for an approved business process, else 'Unknown'. Read
    once per document: the document rules and the type code rules both ask."""
    return doc.derived("peppol.profile", _profile)


def _profile(doc: Document) -> str:
    found = shared_children(doc, doc.root).get(PROFILE_ID)
    value = norm_space(string_value(found[0])) if found else ""
    return _PROFILES.get(value, "Unknown")


def both_german(doc: Document) -> bool:
    """``$supplierCountryIsDE and $customerCountryIsDE`` (by postal address country): the
    national rules derive these codes for every document, so they are read from there."""
    found = countries(doc)
    return found.supplier_code == "DE" and found.customer_code == "DE"
