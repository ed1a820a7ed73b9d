"""Generators of hostile and malformed documents, built from a valid BIS 3 invoice.

Each strategy is one way a supplier's system (or an attacker) can get a file wrong:
truncation, flipped bytes, wrong encodings, deep nesting, huge numbers, entity tricks (XXE
to local files, devices and URLs, parameter entities, external DTDs, billion laughs,
XInclude) and plain garbage. ``CANARY`` and ``listener_url`` let a test prove that no
entity was ever resolved: the canary's text must never appear in any result, and the
listener must never be called.
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

from orchestrator.samples import invoice

VALID = invoice("HOSTILE-1")
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
BODY = VALID.split(b"?>", 1)[1]
_AMOUNT = re.compile(rb'(currencyID="NOK">)[^<]*<')


def entity_tricks(canary_path: str, listener_url: str) -> list[bytes]:
    """DOCTYPE-borne attacks, each wrapped around the valid invoice's body."""
    doctype_bodies = [
        f'<!ENTITY x SYSTEM "file://{canary_path}">',
        '<!ENTITY x SYSTEM "file:///dev/zero">',
        '<!ENTITY x SYSTEM "file:///dev/random">',
        '<!ENTITY x SYSTEM "file:///etc/passwd">',
        f'<!ENTITY x SYSTEM "{listener_url}/general">',
        '<!ENTITY % p SYSTEM "file:///dev/zero"> %p;',
        f'<!ENTITY % p SYSTEM "file://{canary_path}"> %p;',
        f'<!ENTITY % p SYSTEM "{listener_url}/parameter"> %p;',
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
        '<!ENTITY x "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">',
    ]
    root = b"Invoice"
    tricks = [
        DECLARATION
        + b"<!DOCTYPE "
        + root
        + b" ["
        + body.encode()
        + b"]>"
        + BODY.replace(b"HOSTILE-1", b"&x;", 1)
        for body in doctype_bodies
    ]
    tricks.append(
        DECLARATION + f'<!DOCTYPE Invoice SYSTEM "{listener_url}/external.dtd">'.encode() + BODY
    )
    tricks.append(DECLARATION + f'<!DOCTYPE Invoice SYSTEM "file://{canary_path}">'.encode() + BODY)
    xinclude = (
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{canary_path}" '
        'parse="text"/>'
    ).encode()
    tricks.append(VALID.replace(b"HOSTILE-1", xinclude, 1))
    remote = f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{listener_url}/xi"/>'
    tricks.append(VALID.replace(b"HOSTILE-1", remote.encode(), 1))
    return tricks


def truncated() -> st.SearchStrategy[bytes]:
    """The valid invoice cut anywhere."""
    return st.integers(0, len(VALID) - 1).map(lambda n: VALID[:n])


def flipped() -> st.SearchStrategy[bytes]:
    """The valid invoice with a few bytes replaced by arbitrary ones."""

    def flip(changes: list[tuple[int, int]]) -> bytes:
        data = bytearray(VALID)
        for position, value in changes:
            data[position % len(data)] = value
        return bytes(data)

    return st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8
    ).map(flip)


def wrong_encodings() -> st.SearchStrategy[bytes]:
    """The invoice in an encoding its declaration does not state, with or without a BOM."""
    text = VALID.decode("utf-8").replace("HOSTILE-1", "HOSTILE-ÆØÅ-1")
    encodings = st.sampled_from(["utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252", "utf-8"])
    declared = st.sampled_from(["UTF-8", "UTF-16", "ISO-8859-1", "EBCDIC", "nonsense", ""])
    bom = st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])

    def encode(encoding: str, declaration: str, prefix: bytes) -> bytes:
        body = text.replace('encoding="UTF-8"', f'encoding="{declaration}"' if declaration else "")
        return prefix + body.encode(encoding, errors="replace")

    return st.builds(encode, encodings, declared, bom)


def deep_nesting() -> st.SearchStrategy[bytes]:
    """Elements nested far deeper than any invoice, closed or not."""

    def nest(depth: int, closed: bool) -> bytes:
        inner = b"<a>" * depth + (b"</a>" * depth if closed else b"")
        return VALID.replace(b"HOSTILE-1", inner, 1)

    return st.builds(nest, st.integers(100, 50_000), st.booleans())


def huge_numbers() -> st.SearchStrategy[bytes]:
    """Amounts no ERP can hold, or that are not numbers at all, in every amount element."""
    values = st.one_of(
        st.integers(30, 5000).map(lambda n: b"9" * n),
        st.sampled_from([b"1e999999", b"-1e-999999", b"NaN", b"INF", b"-0", b"0x10", b"1,5", b""]),
    )
    return values.map(lambda value: _AMOUNT.sub(b"\\g<1>" + value + b"<", VALID))


def garbage() -> st.SearchStrategy[bytes]:
    """Anything at all, including nothing."""
    return st.one_of(st.binary(max_size=2048), st.text(max_size=512).map(str.encode))


def malformed(tricks: list[bytes]) -> st.SearchStrategy[bytes]:
    """One of every kind above."""
    return st.one_of(
        st.sampled_from(tricks),
        truncated(),
        flipped(),
        wrong_encodings(),
        deep_nesting(),
        huge_numbers(),
        garbage(),
    )
