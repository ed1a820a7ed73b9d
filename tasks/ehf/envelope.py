"""Peppol SBDH: the StandardBusinessDocument envelope an access point may leave on a document."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
_ENVELOPE = f"{{{SBDH_NS}}}StandardBusinessDocument"
_HEADER = f"{{{SBDH_NS}}}StandardBusinessDocumentHeader"


@dataclass(frozen=True)
class Envelope:
    """What the envelope says about the transport (kept as evidence, not trusted for content)."""

    sender: str | None
    receiver: str | None
    instance_id: str | None
    document_type: str | None


def _text(header: etree._Element, path: str) -> str | None:
    found = header.find(path, {"s": SBDH_NS})
    return found.text.strip() if found is not None and found.text else None


def unwrap(root: etree._Element) -> tuple[etree._Element, Envelope | None]:
    """The business document inside an SBDH envelope, or ``root`` itself when not wrapped.

    An envelope without a payload element returns the envelope itself, which the
    classification then reports as an unsupported document.
    """
    if root.tag != _ENVELOPE:
        return root, None
    header = root.find(_HEADER)
    envelope = (
        Envelope(
            sender=_text(header, "s:Sender/s:Identifier"),
            receiver=_text(header, "s:Receiver/s:Identifier"),
            instance_id=_text(header, "s:DocumentIdentification/s:InstanceIdentifier"),
            document_type=_text(header, "s:DocumentIdentification/s:Type"),
        )
        if header is not None
        else Envelope(None, None, None, None)
    )
    payload = next(
        (child for child in root if isinstance(child.tag, str) and child.tag != _HEADER), None
    )
    return (root if payload is None else payload), envelope
