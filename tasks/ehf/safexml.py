"""Safe XML parsing for documents that come from outside the municipality.

Entity expansion, DTD loading and network access are off, and the size is capped, so a
hostile file (XXE, billion laughs, a gigabyte of nothing) fails fast with a clear error
instead of hanging or leaking local files.
"""

from __future__ import annotations

import threading

from lxml import etree

#: Largest document accepted, in bytes. EHF access points cap messages well below this.
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


class UnsafeOrMalformedXML(ValueError):
    """The bytes are not a well-formed, safe XML document."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        collect_ids=False,
    )


# lxml parsers must not be shared between threads.
_local = threading.local()


def check_size(size: int, max_bytes: int = MAX_DOCUMENT_BYTES) -> None:
    """Refuse a document of ``size`` bytes over the limit, before anyone reads it."""
    if size > max_bytes:
        raise UnsafeOrMalformedXML(f"document is {size} bytes, the limit is {max_bytes}")


def parse_bytes(data: bytes, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> etree._Element:
    """Parse ``data`` into an element tree root, refusing DTDs, entities and oversize input."""
    check_size(len(data), max_bytes)
    if not data or data.isspace():  # not strip(): that copies a large document
        raise UnsafeOrMalformedXML("document is empty")
    try:
        parser = getattr(_local, "parser", None) or _parser()
        _local.parser = parser
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UnsafeOrMalformedXML(f"not well-formed XML: {exc}") from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        # A DOCTYPE has no place in an invoice; it is how entity attacks start.
        raise UnsafeOrMalformedXML("document declares a DTD (DOCTYPE), which is not allowed")
    return root
