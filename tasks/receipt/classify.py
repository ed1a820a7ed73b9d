"""Is this file an invoice we handle? Parse safely, unwrap, and say what it is.

Receipt accepts a UBL 2.1 Invoice or CreditNote whose CustomizationID is EN 16931 based
(``urn:cen.eu:en16931:2017`` and its extensions; Peppol BIS Billing 3.0 is one of them).
Whether it is *valid* EHF is the control step's question: a document with only the core
CustomizationID is received here and reported by the validator (PEPPOL-EN16931-R004), so a
supplier's small mistake does not hide the invoice from the accounting staff. EHF 2.0, other
UBL documents (Order, ApplicationResponse …) and other XML are UNSUPPORTED-DOCUMENT.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from tasks.ehf.envelope import Envelope, unwrap
from tasks.ehf.safexml import UnsafeOrMalformedXML, check_size, parse_bytes
from tasks.ehf.vocabulary import NS_CBC, NS_CREDITNOTE, NS_INVOICE
from tasks.errors import BusinessException

EN16931 = "urn:cen.eu:en16931:2017"
#: A PDF file starts with this header; readers accept it anywhere in the first kilobyte.
PDF_HEADER = b"%PDF-"
PDF_HEADER_WINDOW = 1024
_SUPPORTED_ROOTS = {f"{{{NS_INVOICE}}}Invoice", f"{{{NS_CREDITNOTE}}}CreditNote"}


@dataclass(frozen=True)
class Classified:
    """A supported document: its root element and the envelope it came in, if any."""

    root: etree._Element
    envelope: Envelope | None


def _child_text(root: etree._Element, name: str) -> str | None:
    found = root.find(f"{{{NS_CBC}}}{name}")
    return found.text.strip() if found is not None and found.text else None


def _not_xml(exc: UnsafeOrMalformedXML, file_name: str, size: int) -> BusinessException:
    # The staff messages say what is wrong in their words; the parser's English stays in
    # the exception's detail (the message here) and in ``parser``.
    return BusinessException(
        "NOT-XML",
        str(exc),
        {
            "file": file_name,
            "problem": exc.problem,
            "reason_nb": exc.reason_nb,
            "reason_en": exc.reason_en,
            "parser": str(exc),
            "size": size,
        },
    )


def is_pdf(head: bytes) -> bool:
    """Whether a file starting with ``head`` is a PDF, by its bytes (not its name)."""
    return PDF_HEADER in head[:PDF_HEADER_WINDOW]


def refuse_oversize(size: int, file_name: str) -> None:
    """Raise NOT-XML for a file over the document size limit, without reading it."""
    try:
        check_size(size)
    except UnsafeOrMalformedXML as exc:
        raise _not_xml(exc, file_name, size) from exc


def classify(data: bytes, file_name: str) -> Classified:
    """Return the supported document in ``data`` or raise NOT-XML / UNSUPPORTED-DOCUMENT."""
    try:
        root = parse_bytes(data)
    except UnsafeOrMalformedXML as exc:
        raise _not_xml(exc, file_name, len(data)) from exc
    document, envelope = unwrap(root)
    qname = etree.QName(document)
    customization = _child_text(document, "CustomizationID")
    version = _child_text(document, "UBLVersionID")
    found = f"{qname.localname} ({qname.namespace or 'no namespace'})"
    if customization:
        found += f", CustomizationID {customization}"
    supported = (
        document.tag in _SUPPORTED_ROOTS
        and version in (None, "2.1")
        and (customization or "").startswith(EN16931)
    )
    if not supported:
        raise BusinessException(
            "UNSUPPORTED-DOCUMENT",
            f"not a Peppol BIS Billing 3.0 invoice or credit note: {found}",
            {
                "file": file_name,
                "found": found,
                "root": document.tag,
                "customization_id": customization,
                "ubl_version": version,
                "sbdh": envelope is not None,
            },
        )
    return Classified(document, envelope)
