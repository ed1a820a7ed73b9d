"""Safe XML parsing for documents that come from outside the municipality.

A document that declares a DTD (``<!DOCTYPE``) is refused by a scan of its prolog *before*
the XML parser sees it: EHF never needs a DTD, and the parser's own switches do not stop
every entity trick (an external parameter entity such as ``%p;`` pointing at
``file:///dev/zero`` is read by libxml2 even with ``load_dtd=False`` and never ends). The
parser then runs with entity expansion, DTD loading and network access off and every
external load refused, and the size is capped, so a hostile file (XXE, billion laughs, a
gigabyte of nothing) fails fast with a clear error instead of hanging or leaking local files.
"""

from __future__ import annotations

import codecs
import re
import threading

from lxml import etree

#: Largest document accepted, in bytes. EHF access points cap messages well below this.
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024

#: What went wrong, in words for staff: problem -> (bokmål, English).
PROBLEMS: dict[str, tuple[str, str]] = {
    "empty": ("filen er tom", "the file is empty"),
    "too-large": (
        "filen er større enn grensen på 50 MB",
        "the file is larger than the 50 MB limit",
    ),
    "not-well-formed": (
        "innholdet er ikke velformet XML (se detaljer)",
        "the content is not well-formed XML (see details)",
    ),
    "dtd": (
        "dokumentet har en DTD (DOCTYPE), som aldri brukes i EHF og kan skjule angrep; "
        "det er ikke lest",
        "the document declares a DTD (DOCTYPE), which EHF never uses and which can hide an "
        "attack; it was not read",
    ),
    "encoding": ("tegnsettet er ukjent eller ikke støttet", "the character set is unknown"),
}


class UnsafeOrMalformedXML(ValueError):
    """The bytes are not a well-formed, safe XML document; ``problem`` is a key of
    ``PROBLEMS`` (the message itself keeps the parser's own words)."""

    def __init__(self, message: str, problem: str = "not-well-formed") -> None:
        super().__init__(message)
        self.problem = problem

    @property
    def reason_nb(self) -> str:
        """The problem in bokmål, without the parser's English."""
        return PROBLEMS[self.problem][0]

    @property
    def reason_en(self) -> str:
        """The problem in English, without the parser's details."""
        return PROBLEMS[self.problem][1]


class _RefuseExternal(etree.Resolver):
    """Answer every external load (entity, DTD, XInclude) with nothing: a second wall behind
    the DOCTYPE scan, should a document ever reach the parser with one."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        return self.resolve_string("", context)


def _parser() -> etree.XMLParser:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        collect_ids=False,
    )
    parser.resolvers.add(_RefuseExternal())
    return parser


# lxml parsers must not be shared between threads.
_local = threading.local()

# Byte-order marks and the first bytes of "<?" in each encoding family (XML 1.0, appendix F).
# UTF-32 LE's mark begins with UTF-16 LE's, so it is tried first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SIGNATURES = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x4c\x6f\xa7\x94", "cp037"),  # EBCDIC
)
_DECLARED_ENCODING = re.compile(r"""<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_SCAN_CHUNK = 64 * 1024
_XML_SPACE_RUN = re.compile(rb"[ \t\r\n]*")


def _encoding(data: bytes) -> tuple[str, int]:
    """The encoding the parser will read ``data`` in, and the length of its byte-order mark."""
    # Every mark and signature starts with a byte other than "<", or with "<" and NUL: the
    # usual document ("<?xml", "<Invoice") needs none of the ten comparisons below.
    if data[:1] != b"<" or data[1:2] == b"\x00":
        for bom, name in _BOMS:
            if data.startswith(bom):
                return name, len(bom)
        for signature, name in _SIGNATURES:
            if data.startswith(signature):
                return name, 0
    # ASCII-compatible: a declaration may name another encoding for what follows it.
    declared = _DECLARED_ENCODING.match(data[:1024].decode("latin-1"))
    name = declared.group(1) if declared else "utf-8"
    try:
        return codecs.lookup(name).name, 0
    except LookupError:
        raise UnsafeOrMalformedXML(f"unknown character encoding {name!r}", "encoding") from None


def _prolog_read(text: str, complete: bool) -> bool:
    """Whether ``text`` holds the whole prolog (it ends at the root element or anything else
    that is not a declaration, processing instruction, comment or white space); False when
    more text is needed. Raises when the prolog holds a DOCTYPE."""
    at = 0
    while True:
        while at < len(text) and text[at] in " \t\r\n\ufeff":
            at += 1
        rest = text[at : at + 9]
        if len(rest) < 9 and not complete:
            return False  # too little text to tell "<!DOCTYPE" from anything else
        if rest.upper().startswith("<!DOCTYPE"):
            raise UnsafeOrMalformedXML(
                "document declares a DTD (DOCTYPE), which is not allowed", "dtd"
            )
        closing = "?>" if rest.startswith("<?") else "-->" if rest.startswith("<!--") else None
        if closing is None:
            return True
        end = text.find(closing, at + 2)
        if end < 0:
            return complete
        at = end + len(closing)


def _plain_utf8_prolog(data: bytes, at: int) -> bool:
    """True when the UTF-8 ``data`` holds from ``at`` only declarations, processing
    instructions, comments and XML white space up to a "<" and an ASCII letter (the root
    element): then ``_prolog_read`` would find no DOCTYPE either. The same walk on the bytes:
    in UTF-8 an ASCII byte is always that character (no multi-byte sequence, nor an invalid one
    replaced, yields one), so the delimiters are found at the same places. False for anything
    else (a BOM inside the prolog, an unclosed comment, ...): the text scan decides those."""
    while True:
        at = _XML_SPACE_RUN.match(data, at).end()  # type: ignore[union-attr]
        head = data[at : at + 4]  # compared by slices: bytes.startswith parses its arguments slowly
        if head[:2] == b"<?":
            end = data.find(b"?>", at + 2)
            closing = 2
        elif head == b"<!--":
            end = data.find(b"-->", at + 2)
            closing = 3
        else:
            return head[:1] == b"<" and head[1:2].isalpha()
        if end < 0:
            return False
        at = end + closing


def refuse_dtd(data: bytes) -> None:
    """Raise ``UnsafeOrMalformedXML`` (problem ``dtd``) when the document's prolog declares a
    DTD, reading only as far as the root element, in the encoding the parser would use."""
    name, start = _encoding(data)
    # Speed: decoding up to 64 KiB and walking the text costs ~80,000 CPU instructions a
    # document; the same walk on the bytes of the usual UTF-8 prolog a few thousand
    # (callgrind, benchmarks/README.md).
    if name == "utf-8" and _plain_utf8_prolog(data, start):
        return
    decoder = codecs.getincrementaldecoder(name)(errors="replace")
    text = ""
    for offset in range(start, len(data), _SCAN_CHUNK):
        chunk = data[offset : offset + _SCAN_CHUNK]
        last = offset + _SCAN_CHUNK >= len(data)
        try:
            text += decoder.decode(chunk, final=last)
        except UnicodeError:  # e.g. "UTF-16" declared, but no byte-order mark to read it by
            raise UnsafeOrMalformedXML(
                f"the document cannot be read in its declared encoding {name!r}", "encoding"
            ) from None
        if _prolog_read(text, last):
            return


def check_size(size: int, max_bytes: int = MAX_DOCUMENT_BYTES) -> None:
    """Refuse a document of ``size`` bytes over the limit, before anyone reads it."""
    if size > max_bytes:
        raise UnsafeOrMalformedXML(
            f"document is {size} bytes, the limit is {max_bytes}", "too-large"
        )


def parse_bytes(data: bytes, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> etree._Element:
    """Parse ``data`` into an element tree root, refusing DTDs, entities and oversize input."""
    check_size(len(data), max_bytes)
    if not data or data.isspace():  # not strip(): that copies a large document
        raise UnsafeOrMalformedXML("document is empty", "empty")
    refuse_dtd(data)
    try:
        parser = getattr(_local, "parser", None) or _parser()
        _local.parser = parser
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UnsafeOrMalformedXML(f"not well-formed XML: {exc}") from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        # Only reachable if the scan above missed one: a DOCTYPE has no place in an invoice.
        raise UnsafeOrMalformedXML("document declares a DTD (DOCTYPE), which is not allowed", "dtd")
    return root
