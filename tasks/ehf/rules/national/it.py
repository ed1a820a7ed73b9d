"""Italy (IT-R-*): the seller's tax registration id and postal address.

They run on the seller party when ``$supplierCountry`` is IT."""

from __future__ import annotations

import re

from tasks.ehf.document import Document
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.national._common import SUPPLIER_PARTY, countries
from tasks.ehf.xpathfn import exists, ntext, select, tax_scheme_id

_TAX_ID = re.compile(r"[A-Z0-9]{11,16}")
_ADDRESS_PARTS = (
    ("IT-R-002", "cac:PostalAddress/cbc:StreetName"),
    ("IT-R-003", "cac:PostalAddress/cbc:CityName"),
    ("IT-R-004", "cac:PostalAddress/cbc:PostalZone"),
)


@check("IT-R-001", "IT-R-002", "IT-R-003", "IT-R-004")
def italian_seller(doc: Document, report: Report) -> None:
    """IT-R-001 non-VAT tax id of 11-16 letters or digits; IT-R-002..004 street, city, zip."""
    if countries(doc).supplier != "IT":
        return
    for party in doc.context(SUPPLIER_PARTY):
        for scheme in select(party, "cac:PartyTaxScheme"):
            if tax_scheme_id(scheme) != "VAT":
                tax_id = ntext(scheme, "cbc:CompanyID")
                if not _TAX_ID.fullmatch(tax_id):
                    report("IT-R-001", scheme, tax_id=tax_id)
        for rule_id, path in _ADDRESS_PARTS:
            if not exists(party, path):
                report(rule_id, party)
