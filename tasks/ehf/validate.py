"""The EHF validator's front door: bytes in, one verdict out.

``validate_bytes`` parses the document once (safely), unwraps a Peppol SBDH envelope,
checks the UBL 2.1 schema (layer 1) and then runs every business rule (layers 2 and 3)
whatever the schema said, as the official validators do. A Peppol Invoice Response (UBL
ApplicationResponse, BIS 3 T111) gets the same schema layer and the T111 rules instead. It is
pure: the same bytes give the same result, in any process.
"""

from __future__ import annotations

import copy
from pathlib import Path

from tasks.ehf.document import Document, Element, location
from tasks.ehf.engine import evaluate_rules
from tasks.ehf.envelope import unwrap
from tasks.ehf.findings import Finding, ValidationResult
from tasks.ehf.gcpause import collector_paused
from tasks.ehf.rules import t111
from tasks.ehf.safexml import UnsafeOrMalformedXML, parse_bytes
from tasks.ehf.schema import APPLICATION_RESPONSE, release, validate_schema
from tasks.ehf.vocabulary import CREDIT_NOTE, INVOICE, cbc

_KINDS = {
    INVOICE: "Invoice",
    CREDIT_NOTE: "CreditNote",
    APPLICATION_RESPONSE: "ApplicationResponse",
}
_CUSTOMIZATION_ID = cbc("CustomizationID")

#: The validator's own findings for input that never reaches the rules (not in the catalogue,
#: which holds only the official rule ids).
NOT_XML = "NOT-XML"
UNSUPPORTED_DOCUMENT = "UNSUPPORTED-DOCUMENT"
_MESSAGES = {
    NOT_XML: {
        "nb": "Filen er ikke et gyldig XML-dokument, eller den inneholder konstruksjoner som "
        "ikke er tillatt (DOCTYPE, entiteter).",
        "en": "The file is not a well-formed XML document, or it uses constructs that are "
        "not allowed (DOCTYPE, entities).",
    },
    UNSUPPORTED_DOCUMENT: {
        "nb": "Dokumentet er ikke en UBL 2.1-faktura (Invoice), kreditnota (CreditNote) eller "
        "et fakturasvar (ApplicationResponse).",
        "en": "The document is not a UBL 2.1 Invoice, CreditNote or ApplicationResponse.",
    },
}


def rule_release() -> str:
    """The Peppol release whose rules this validator implements (e.g. ``"2026.5"``)."""
    return str(release()["release"]["peppol"])


def _single(rule: str, where: str, lang: str, **values: str) -> tuple[Finding, ...]:
    message = _MESSAGES[rule]["en" if lang == "en" else "nb"]
    return (Finding(rule, "fatal", where, message, values),)


def _payload(root: Element) -> Element | None:
    """The Invoice, CreditNote or ApplicationResponse of the document: the root, or the body
    of an SBDH envelope.

    An enveloped payload is copied out as a root of its own (line numbers kept), so that
    rules and locations see exactly what they would see in an unwrapped document.
    """
    document, _ = unwrap(root)
    if document.tag not in _KINDS:
        return None
    return document if document is root else copy.deepcopy(document)


def _customization_id(root: Element) -> str | None:
    for child in root:
        if child.tag == _CUSTOMIZATION_ID:
            return (child.text or "").strip()
    return None


def validate_bytes(data: bytes, *, lang: str = "nb") -> ValidationResult:
    """Validate one EHF / Peppol BIS Billing 3.0 document or Peppol Invoice Response
    (optionally SBDH-wrapped).

    ``lang`` is ``"nb"`` (bokmål, the default) or ``"en"`` for the finding messages.
    Never raises on bad input: not well-formed or hostile XML gives a single fatal
    ``NOT-XML`` finding, anything but a UBL Invoice, CreditNote or ApplicationResponse a
    single fatal ``UNSUPPORTED-DOCUMENT`` finding. Every result names the rule release.
    """
    with collector_paused():
        return _validate(data, lang)


def _validate(data: bytes, lang: str) -> ValidationResult:
    try:
        root = parse_bytes(data)
    except UnsafeOrMalformedXML as exc:
        findings = _single(NOT_XML, "/", lang, reason=str(exc))
        return ValidationResult(None, None, False, findings, release=rule_release())
    payload = _payload(root)
    if payload is None:
        found = location(root)
        findings = _single(UNSUPPORTED_DOCUMENT, found, lang, root=str(root.tag))
        return ValidationResult(None, None, False, findings, release=rule_release())
    doc = Document(payload)
    schema_errors = validate_schema(doc)
    if payload.tag == APPLICATION_RESPONSE:
        findings = t111.evaluate(doc, lang)
    else:
        findings = evaluate_rules(doc, lang)
    return ValidationResult(
        _KINDS[payload.tag],
        _customization_id(payload),
        not schema_errors,
        tuple(findings),
        schema_errors,
        rule_release(),
    )


def validate_path(path: str | Path, *, lang: str = "nb") -> ValidationResult:
    """Validate the document in the file ``path`` (OSError when it cannot be read)."""
    return validate_bytes(Path(path).read_bytes(), lang=lang)
