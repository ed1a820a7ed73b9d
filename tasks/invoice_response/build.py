"""Writes a Peppol Invoice Response (UBL 2.1 ApplicationResponse, BIS 3 T111) for an invoice.

Valid by construction: the codes are checked against the T111 code lists, a status that needs
a clarification (CA, UQ, RE) gets one, ``OTH`` and ``PPD`` get their text, and no element is
written empty. The sender is the buyer (the municipality), the receiver the supplier; both are
addressed by the Peppol endpoints of the invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from lxml import etree

from tasks.ehf.rules.t111.data import code_lists
from tasks.ehf.rules.t111.response import CUSTOMIZATION_PREFIX, PROFILES
from tasks.ehf.schema import APPLICATION_RESPONSE
from tasks.ehf.vocabulary import NS_CAC, NS_CBC

CUSTOMIZATION_ID = CUSTOMIZATION_PREFIX
PROFILE_ID = PROFILES[0]
#: Statuses that need a clarification reason (PEPPOL-T111-R001).
NEEDS_REASON = frozenset({"CA", "UQ", "RE"})
_NSMAP = {None: etree.QName(APPLICATION_RESPONSE).namespace, "cac": NS_CAC, "cbc": NS_CBC}


class ResponseError(ValueError):
    """The answer cannot be written as a valid Invoice Response (bad code, missing reason)."""


class Unaddressable(ResponseError):
    """The invoice does not name a Peppol endpoint the response could be sent to."""


@dataclass(frozen=True)
class Party:
    """A party of the response: its legal name and Peppol endpoint (id and EAS scheme)."""

    name: str
    endpoint_id: str
    endpoint_scheme: str


@dataclass(frozen=True)
class InvoiceReference:
    """The invoice answered: its number, issue date (ISO, optional) and type code."""

    number: str
    issue_date: str | None
    type_code: str


@dataclass(frozen=True)
class Answer:
    """What is said: status, clarification reason and action codes, their text, a note."""

    status: str
    reason: str | None = None
    action: str | None = None
    text: str | None = None
    note: str | None = None

    def check(self) -> None:
        """Raise ResponseError unless the answer can be written as a valid response."""
        lists = code_lists()
        if self.status not in lists["clUNCL4343-T111"]:
            raise ResponseError(f"status {self.status!r} is not an Invoice Response status")
        if self.reason is not None and self.reason not in lists["clOPStatusReason"]:
            raise ResponseError(f"reason {self.reason!r} is not in OPStatusReason")
        if self.action is not None and self.action not in lists["clOPStatusAction"]:
            raise ResponseError(f"action {self.action!r} is not in OPStatusAction")
        if self.status in NEEDS_REASON and self.reason is None:
            raise ResponseError(f"status {self.status} needs a clarification reason")
        coded_other = "OTH" in (self.reason, self.action) or self.reason == "PPD"
        if coded_other and not _present(self.text):
            raise ResponseError("a clarification coded OTH or PPD needs its text")
        if self.reason == "PPD" and self.status != "PD":
            raise ResponseError("reason PPD (partially paid) goes only with status PD")


def _present(value: str | None) -> bool:
    return bool(value and value.strip(" \t\r\n"))


def party_from_invoice(party: dict[str, Any], role: str) -> Party:
    """The response party for the invoice's seller or buyer (``key_fields`` form); raises
    Unaddressable when the invoice names no usable endpoint for it."""
    endpoint_id = (party.get("endpoint_id") or "").strip()
    scheme = (party.get("endpoint_scheme") or "").strip()
    if not endpoint_id or scheme not in code_lists()["cleas"]:
        raise Unaddressable(
            f"the invoice names no Peppol endpoint for the {role} "
            f"(EndpointID {endpoint_id or '-'}, scheme {scheme or '-'})"
        )
    name = (party.get("name") or "").strip() or endpoint_id
    return Party(name, endpoint_id, scheme)


def reference_from_invoice(key_fields: dict[str, Any]) -> InvoiceReference:
    """The invoice reference of a received invoice (``key_fields`` form)."""
    number = (key_fields.get("number") or "").strip()
    if not number:
        raise Unaddressable("the invoice has no invoice number to refer to")
    issue_date = key_fields.get("issue_date")
    type_code = (key_fields.get("type_code") or "").strip()
    if type_code not in code_lists()["clUNCL1001"]:
        type_code = "381" if key_fields.get("document") == "CreditNote" else "380"
    return InvoiceReference(number, issue_date or None, type_code)


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> Any:
    prefix, _, local = tag.partition(":")
    el = etree.SubElement(parent, f"{{{_NSMAP[prefix]}}}{local}", attrs)
    if text is not None:
        el.text = text
    return el


def _party(parent: etree._Element, tag: str, party: Party) -> None:
    el = _sub(parent, tag)
    _sub(el, "cbc:EndpointID", party.endpoint_id, schemeID=party.endpoint_scheme)
    _sub(_sub(el, "cac:PartyLegalEntity"), "cbc:RegistrationName", party.name)


def _status(response: etree._Element, list_id: str, code: str, text: str | None) -> None:
    status = _sub(response, "cac:Status")
    _sub(status, "cbc:StatusReasonCode", code, listID=list_id)
    if _present(text):
        _sub(status, "cbc:StatusReason", text)


def build_response(
    *,
    response_id: str,
    issue_date: date,
    buyer: Party,
    supplier: Party,
    invoice: InvoiceReference,
    answer: Answer,
) -> bytes:
    """The Invoice Response as UTF-8 XML bytes (declaration included, indented).

    The clarification text goes with the reason, and with the action when there is no
    reason or the action is ``OTH``; the note is the response's ``cbc:Note``."""
    answer.check()
    root = etree.Element(APPLICATION_RESPONSE, nsmap=_NSMAP)
    _sub(root, "cbc:CustomizationID", CUSTOMIZATION_ID)
    _sub(root, "cbc:ProfileID", PROFILE_ID)
    _sub(root, "cbc:ID", response_id)
    _sub(root, "cbc:IssueDate", issue_date.isoformat())
    if _present(answer.note):
        _sub(root, "cbc:Note", answer.note)
    _party(root, "cac:SenderParty", buyer)
    _party(root, "cac:ReceiverParty", supplier)
    document_response = _sub(root, "cac:DocumentResponse")
    response = _sub(document_response, "cac:Response")
    _sub(response, "cbc:ResponseCode", answer.status)
    if answer.reason:
        _status(response, "OPStatusReason", answer.reason, answer.text)
    if answer.action:
        explained = not answer.reason or answer.action == "OTH"
        _status(response, "OPStatusAction", answer.action, answer.text if explained else None)
    if not answer.reason and not answer.action and _present(answer.text):
        _sub(_sub(response, "cac:Status"), "cbc:StatusReason", answer.text)
    reference = _sub(document_response, "cac:DocumentReference")
    _sub(reference, "cbc:ID", invoice.number)
    if invoice.issue_date:
        _sub(reference, "cbc:IssueDate", invoice.issue_date)
    _sub(reference, "cbc:DocumentTypeCode", invoice.type_code)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
