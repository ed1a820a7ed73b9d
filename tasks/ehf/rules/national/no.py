"""Norway (NO-R-*): the seller's VAT number and the «Foretaksregisteret» statement.

They run on the seller party when ``$supplierCountry`` is NO (the seller's VAT number
prefix, else the tax representative's, else the postal address country)."""

from __future__ import annotations

import re

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.national._common import SUPPLIER_PARTY, countries, mod11_no
from tasks.ehf.vocabulary import COMPANY_ID, PARTY_TAX_SCHEME
from tasks.ehf.xpathfn import child, normalize_space, string_value, tax_scheme_id

_NO_VAT = re.compile(r"[0-9]{9}MVA")


@check("NO-R-001", "NO-R-002")
def norwegian_seller(doc: Document, report: Report) -> None:
    """NO-R-002 (warning) Foretaksregisteret as the TAX scheme; NO-R-001 the VAT number."""
    if countries(doc).supplier != "NO":
        return
    for party in doc.context(SUPPLIER_PARTY):
        schemes = [(tax_scheme_id(s), s) for s in party if s.tag == PARTY_TAX_SCHEME]
        tax = [s for kind, s in schemes if kind == "TAX"]
        registered = normalize_space(_company_id(tax[0])) if tax else ""
        if registered != "Foretaksregisteret":
            report("NO-R-002", party, value=registered)
        vat_ids = [_company_id(s) for kind, s in schemes if kind == "VAT"]
        if any(v[:2] == "NO" for v in vat_ids) and not _valid_vat(vat_ids[0]):
            report("NO-R-001", party, vat=vat_ids[0])


def _company_id(scheme: Element) -> str:
    """``string(cbc:CompanyID)`` of a PartyTaxScheme."""
    return string_value(child(scheme, COMPANY_ID))


def _valid_vat(vat: str) -> bool:
    """Nine digits passing mod 11, then MVA (the rule reads the first VAT scheme)."""
    return _NO_VAT.fullmatch(vat[2:]) is not None and mod11_no(vat[2:11])
