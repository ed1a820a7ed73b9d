"""PEPPOL-T111-R001…R008: what the response says (status, clarification, identifiers).

Two Schematron patterns, each handling a node by its first matching rule: a ``cac:Status``
whose code is ``OTH`` is checked for R002 and never for R004/R005 (the ``PPD`` rule after it).
The tests are reproduced as written, quirks included: ``contains(' CA UQ RE ', …)`` is a
substring test (a code ``UQ RE`` matches), and R005's ``exists(/cbc:ResponseCode='PD')`` asks
whether a comparison exists, which it always does, so R005 never fails.
"""

from __future__ import annotations

from tasks.ehf.document import Document
from tasks.ehf.registry import Report
from tasks.ehf.vocabulary import cac, cbc
from tasks.ehf.xpathfn import Element, normalize_space, string_value

_RESPONSE, _STATUS = cac("Response"), cac("Status")
_RESPONSE_CODE, _REASON_CODE, _REASON = (
    cbc("ResponseCode"),
    cbc("StatusReasonCode"),
    cbc("StatusReason"),
)
_CUSTOMIZATION_ID, _PROFILE_ID = cbc("CustomizationID"), cbc("ProfileID")

CUSTOMIZATION_PREFIX = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
PROFILES = (
    "urn:fdc:peppol.eu:poacc:bis:invoice_response:3",
    "urn:peppol:bis:billing_with_response",
)
_NEEDS_REASON = " CA UQ RE "
_ACTIONS = " NOA PIN NIN CNF CNP CNA OTH "
_REASONS = " NON REF LEG REC QUA DEL PRI QTY ITM PAY PPD UNR FIN OTH "


def _kids(el: Element, tag: str) -> list[Element]:
    return [c for c in el if c.tag == tag]


def _first_normalized(el: Element, tag: str) -> str:
    """``normalize-space(tag)`` of the first such child ('' when there is none)."""
    found = _kids(el, tag)
    return normalize_space(string_value(found[0])) if found else ""


def _listed(code: str, listing: str) -> bool:
    """``not(contains(code, ' ')) and contains(listing, concat(' ', code, ' '))``."""
    return " " not in code and f" {code} " in listing


def _reason_codes(status: Element) -> list[str]:
    return [string_value(c) for c in _kids(status, _REASON_CODE)]


def response_rules(doc: Document, report: Report) -> None:
    """R001 (clarification for CA/UQ/RE), R002 (OTH explained), R003 (CustomizationID),
    R004/R005 (PPD explained, with PD), R008 (ProfileID)."""
    for response in doc.all(_RESPONSE):
        if f" {_first_normalized(response, _RESPONSE_CODE)} " in _NEEDS_REASON and not any(
            _kids(status, _REASON_CODE) for status in _kids(response, _STATUS)
        ):
            report("PEPPOL-T111-R001", response)
    for status in doc.all(_STATUS):
        codes = _reason_codes(status)
        explained = bool(_kids(status, _REASON))
        if "OTH" in codes:
            if not explained:
                report("PEPPOL-T111-R002", status)
        elif "PPD" in codes and not explained:
            report("PEPPOL-T111-R004", status)
    for el in doc.all(_CUSTOMIZATION_ID):
        if not normalize_space(string_value(el)).startswith(CUSTOMIZATION_PREFIX):
            report("PEPPOL-T111-R003", el, value=string_value(el))
    for el in doc.all(_PROFILE_ID):
        if normalize_space(string_value(el)) not in PROFILES:
            report("PEPPOL-T111-R008", el, value=string_value(el))


def clarification_lists(doc: Document, report: Report) -> None:
    """R006/R007: the clarification code is in the list its ``listID`` names."""
    for status in doc.all(_STATUS):
        list_ids = [c.get("listID") for c in _kids(status, _REASON_CODE)]
        code = _first_normalized(status, _REASON_CODE)
        if "OPStatusAction" in list_ids:
            if not _listed(code, _ACTIONS):
                report("PEPPOL-T111-R006", status, code=code)
        elif "OPStatusReason" in list_ids and not _listed(code, _REASONS):
            report("PEPPOL-T111-R007", status, code=code)
