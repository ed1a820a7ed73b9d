"""Hypothesis strategies for malformed documents, built from a valid BIS 3 invoice.

Each strategy is one way a supplier's system (or an attacker) can get a file wrong:
truncation, flipped bytes, wrong encodings, deep nesting, huge numbers and plain garbage;
``malformed`` mixes them with the entity tricks of ``tests.hardening.hostile``.
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

from orchestrator.samples import invoice

VALID = invoice("HOSTILE-1")
_AMOUNT = re.compile(rb'(currencyID="NOK">)[^<]*<')


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
    """One of every kind above, or one of the entity ``tricks``."""
    return st.one_of(
        st.sampled_from(tricks),
        truncated(),
        flipped(),
        wrong_encodings(),
        deep_nesting(),
        huge_numbers(),
        garbage(),
    )
