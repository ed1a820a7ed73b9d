"""Hostile XML documents: every entity trick an attacker could send an access point.

Each document names what it tries; none may hang a reader, leak a local file or reach the
network. ``base`` is a valid invoice the tricks are wrapped around, so that only the trick
makes the difference.
"""

from __future__ import annotations

import re

from orchestrator.samples import wrap_in_sbdh

#: A line of /etc/passwd that must never appear in any output or record.
PASSWD_MARK = "root:x:0:0"
#: Loopback's discard port: nothing listens, and tests never send traffic off this machine.
REMOTE = "http://127.0.0.1:9/evil"
#: The local file the tricks try to read.
LOCAL_FILE = "/etc/passwd"


def _body(base: bytes) -> bytes:
    return re.sub(rb"^<\?xml[^>]*\?>\s*", b"", base)


def _with_doctype(base: bytes, doctype: str, entity_ref: str = "") -> bytes:
    body = _body(base)
    if entity_ref:  # the reference goes where the invoice number is, so a parser uses it
        body = re.sub(rb"(<cbc:ID>)[^<]*", rb"\1" + entity_ref.encode(), body, count=1)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + doctype.encode() + b"\n" + body


def _billion_laughs(base: bytes) -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    return _with_doctype(base, f"<!DOCTYPE Invoice [{entities}]>", "&lol9;")


def _quadratic(base: bytes) -> bytes:
    return _with_doctype(base, f'<!DOCTYPE Invoice [<!ENTITY a "{"x" * 50_000}">]>', "&a;" * 2_000)


def _xinclude(base: bytes, local_file: str) -> bytes:
    xi = (
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{local_file}"'
        ' parse="text"/>'
    )
    return re.sub(rb"(<cbc:ID>)[^<]*", rb"\1" + xi.encode(), base, count=1)


def hostile_documents(
    base: bytes, *, local_file: str = LOCAL_FILE, remote: str = REMOTE
) -> dict[str, bytes]:
    """File name -> hostile document. Every one but the XInclude file declares a DTD.
    ``local_file`` is the file the tricks try to read, ``remote`` the URL they try to call."""
    dev_zero_pe = '<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///dev/zero"> %p;]>'
    documents = {
        "pe-dev-zero.xml": _with_doctype(base, dev_zero_pe),
        "pe-dev-random.xml": _with_doctype(
            base, '<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///dev/random"> %p;]>'
        ),
        "pe-passwd.xml": _with_doctype(
            base, f'<!DOCTYPE x [<!ENTITY % p SYSTEM "file://{local_file}"> %p;]>'
        ),
        "pe-remote.xml": _with_doctype(
            base, f'<!DOCTYPE x [<!ENTITY % p SYSTEM "{remote}.dtd"> %p;]>'
        ),
        "general-passwd.xml": _with_doctype(
            base, f'<!DOCTYPE Invoice [<!ENTITY x SYSTEM "file://{local_file}">]>', "&x;"
        ),
        "general-dev-zero.xml": _with_doctype(
            base, '<!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///dev/zero">]>', "&x;"
        ),
        "general-remote.xml": _with_doctype(
            base, f'<!DOCTYPE Invoice [<!ENTITY x SYSTEM "{remote}">]>', "&x;"
        ),
        "external-dtd-dev-zero.xml": _with_doctype(
            base, '<!DOCTYPE Invoice SYSTEM "file:///dev/zero">'
        ),
        "external-dtd-remote.xml": _with_doctype(
            base, f'<!DOCTYPE Invoice PUBLIC "-//x//y" "{remote}.dtd">'
        ),
        "billion-laughs.xml": _billion_laughs(base),
        "quadratic-blowup.xml": _quadratic(base),
        # The DOCTYPE behind a comment and a processing instruction, still in the prolog.
        "after-comment.xml": b'<?xml version="1.0"?>\n<!-- x --><?pi y?>\n'
        + dev_zero_pe.encode()
        + b"\n"
        + _body(base),
        # The same trick in UTF-16 and in EBCDIC: a byte search for "<!DOCTYPE" misses both.
        "utf16.xml": (
            '<?xml version="1.0" encoding="UTF-16"?>\n' + dev_zero_pe + "\n" + _body(base).decode()
        ).encode("utf-16"),
        "ebcdic.xml": (
            '<?xml version="1.0" encoding="IBM037"?>' + dev_zero_pe + "<Invoice/>"
        ).encode("cp037"),
        "sbdh-pe-dev-zero.xml": _with_doctype(wrap_in_sbdh(base), dev_zero_pe),
    }
    documents["xinclude-passwd.xml"] = _xinclude(base, local_file)
    return documents


#: The one trick that needs no DTD: XInclude is never expanded, so the file is harmless.
NO_DTD = {"xinclude-passwd.xml"}
