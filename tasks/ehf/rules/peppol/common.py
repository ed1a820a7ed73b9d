"""Document-wide values of the Peppol rule file (its top-level ``<let>``s) and child walking."""

from __future__ import annotations

from tasks.ehf.document import Document
from tasks.ehf.rules.national._common import countries
from tasks.ehf.vocabulary import PROFILE_ID
from tasks.ehf.xpathfn import normalize_space, string_value

# $profile: the business processes Peppol BIS Billing 3.0 accepts, as '01' or '02'.
_PROFILES = {
    "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0": "01",
    "urn:peppol:france:billing:regulated": "01",
    "urn:peppol:france:billing:non-regulated": "01",
    "urn:peppol:bis:billing_with_response": "02",
}


def profile(doc: Document) -> str:
    """``$profile``: '01' or '02' for an approved business process, else 'Unknown'. Read
    once per document: the document rules and the type code rules both ask."""
    return doc.derived("peppol.profile", _profile)


def _profile(doc: Document) -> str:
    found = doc.kids(doc.root).get(PROFILE_ID)
    value = normalize_space(string_value(found[0])) if found else ""
    return _PROFILES.get(value, "Unknown")


def both_german(doc: Document) -> bool:
    """``$supplierCountryIsDE and $customerCountryIsDE`` (by postal address country): the
    national rules derive these codes for every document, so they are read from there."""
    found = countries(doc)
    return found.supplier_code == "DE" and found.customer_code == "DE"
