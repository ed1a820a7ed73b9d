"""Layer 1 (UBL 2.1 XSD), the validate API around it, hostile input and determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from lxml import etree

from tasks.ehf import schema
from tasks.ehf.document import Document, location
from tasks.ehf.engine import _Locator
from tasks.ehf.envelope import SBDH_NS as NS_SBDH
from tasks.ehf.samples.generate import generate_invoice, org_number
from tasks.ehf.validate import NOT_XML, UNSUPPORTED_DOCUMENT, validate_bytes

REPO = Path(__file__).resolve().parents[2]
ISSUE_DATE = b"<cbc:IssueDate>2026-05-04</cbc:IssueDate>"


@pytest.fixture(scope="module")
def invoice() -> bytes:
    return generate_invoice(3)


def test_generated_invoice_is_schema_valid(invoice: bytes) -> None:
    result = validate_bytes(invoice)
    assert result.document == "Invoice"
    assert result.schema_valid, result.schema_errors
    assert result.schema_errors == ()
    assert result.customization_id.endswith("poacc:billing:3.0")


def test_element_out_of_order_is_a_schema_error(invoice: bytes) -> None:
    # IssueDate moved in front of ID: well-formed, but not in the UBL sequence.
    broken = invoice.replace(ISSUE_DATE, b"").replace(
        b"<cbc:ID>GEN-1", ISSUE_DATE + b"<cbc:ID>GEN-1"
    )
    result = validate_bytes(broken)
    assert not result.schema_valid
    assert any("IssueDate" in e and e.startswith("line ") for e in result.schema_errors)
    assert all(not f.rule.startswith("line") for f in result.findings)  # kept apart


def test_missing_required_element_is_a_schema_error(invoice: bytes) -> None:
    result = validate_bytes(invoice.replace(ISSUE_DATE, b""))
    assert not result.schema_valid
    assert any("IssueDate" in e for e in result.schema_errors)
    assert not result.valid


def test_schema_errors_carry_the_line_number() -> None:
    lines = generate_invoice(2).replace(b"><", b">\n<").splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(b"<cbc:DueDate"))
    lines[index] = b"<cbc:DueDate>not-a-date</cbc:DueDate>"
    result = validate_bytes(b"\n".join(lines))
    assert not result.schema_valid
    assert result.schema_errors[0].startswith(f"line {index + 1}:")


def test_tampered_schema_hash_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    hashes = schema.release()["xsd"]["sha256"]
    monkeypatch.setitem(hashes, "common/UBL-CommonBasicComponents-2.1.xsd", "0" * 64)
    schema.reset_cache()
    try:
        with pytest.raises(schema.SchemaIntegrityError, match="UBL-CommonBasicComponents"):
            schema.schemas()
    finally:
        monkeypatch.undo()
        schema.reset_cache()
    assert schema.schemas()  # the genuine files verify again


def test_every_loaded_schema_file_is_in_the_manifest() -> None:
    files = schema.load_verified_xsds()
    assert "maindoc/UBL-Invoice-2.1.xsd" in files
    assert "maindoc/UBL-CreditNote-2.1.xsd" in files
    assert len(files) == len(schema.release()["xsd"]["sha256"])


def test_xxe_file_entity_is_refused_without_reading_the_file(tmp_path: Path) -> None:
    # A FIFO blocks whoever opens it for reading: if the parser tried, the call would hang.
    secret = tmp_path / "secret"
    os.mkfifo(secret)
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&x;</Invoice>'
    ).encode()
    results = []
    worker = threading.Thread(target=lambda: results.append(validate_bytes(doc)), daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # release the reader before failing
        os.close(os.open(secret, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("the validator tried to read the external entity")
    (result,) = results
    assert [f.rule for f in result.findings] == [NOT_XML]
    assert result.document is None and not result.schema_valid


def test_billion_laughs_is_refused() -> None:
    entities = '<!ENTITY a0 "ha">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    doc = f'<?xml version="1.0"?><!DOCTYPE Invoice [{entities}]><Invoice>&a9;</Invoice>'.encode()
    result = validate_bytes(doc)
    assert [(f.rule, f.severity) for f in result.findings] == [(NOT_XML, "fatal")]


def test_a_plain_doctype_is_refused(invoice: bytes) -> None:
    doc = invoice.replace(b"<Invoice ", b"<!DOCTYPE Invoice><Invoice ", 1)
    assert [f.rule for f in validate_bytes(doc).findings] == [NOT_XML]


@pytest.mark.parametrize("data", [b"", b"   \n", b"not xml", b"<Invoice>", b"\xff\xfe<a/>"])
def test_not_xml_gives_one_fatal_finding(data: bytes) -> None:
    result = validate_bytes(data)
    assert [f.rule for f in result.findings] == [NOT_XML]
    assert result.document is None and not result.schema_valid and not result.valid


@pytest.mark.parametrize(
    "data",
    [
        b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>",
        b"<Invoice/>",  # no UBL namespace
        f"<StandardBusinessDocument xmlns='{NS_SBDH}'><StandardBusinessDocumentHeader/>"
        "</StandardBusinessDocument>".encode(),
    ],
)
def test_other_documents_are_unsupported(data: bytes) -> None:
    result = validate_bytes(data)
    assert [f.rule for f in result.findings] == [UNSUPPORTED_DOCUMENT]
    assert result.document is None and not result.valid


def _wrap_in_sbdh(document: bytes) -> bytes:
    body = document.split(b"?>", 1)[1]
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<StandardBusinessDocument xmlns="' + NS_SBDH.encode() + b'">'
        b"<StandardBusinessDocumentHeader><HeaderVersion>1.0</HeaderVersion>"
        b"</StandardBusinessDocumentHeader>" + body + b"</StandardBusinessDocument>"
    )


def test_sbdh_wrapped_document_is_validated_like_the_bare_one(invoice: bytes) -> None:
    broken = invoice.replace(b"<cbc:DueDate>2026-06-03", b"<cbc:DueDate>2026-13-03")
    for document in (invoice, broken):
        bare, wrapped = validate_bytes(document), validate_bytes(_wrap_in_sbdh(document))
        assert wrapped.document == "Invoice"
        assert wrapped.schema_valid == bare.schema_valid
        assert wrapped.findings == bare.findings
        assert len(wrapped.schema_errors) == len(bare.schema_errors)


def test_locations_match_the_document_toolkit() -> None:
    root = etree.fromstring(generate_invoice(5))
    locator = _Locator()
    nodes = list(root.iter(etree.Element))
    keys = []
    for node in nodes:
        where, key = locator.locate(node)
        assert where == location(node)
        keys.append(key)
    assert keys == sorted(keys), "order keys follow document order"


def test_org_numbers_have_a_valid_check_digit() -> None:
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    for base in (12345678, 92165432, 96418293):
        number = org_number(base)
        total = sum(w * int(d) for w, d in zip(weights, number[:8], strict=True))
        assert (total + int(number[8])) % 11 == 0


def test_large_generated_invoice_is_valid() -> None:
    result = validate_bytes(generate_invoice(4000))
    assert result.schema_valid, result.schema_errors[:3]
    assert not result.fatal, sorted({f.rule for f in result.fatal})


_DETERMINISM = """
import json, sys
from tasks.ehf.samples.generate import generate_invoice
from tasks.ehf.validate import validate_bytes
docs = [generate_invoice(7), generate_invoice(7).replace(b"NOK", b"XXX"),
        generate_invoice(2).replace(b"<cbc:ID>GEN-1</cbc:ID>", b""), b"<x/>", b""]
docs += [open(p, "rb").read() for p in sys.argv[1:]]
print(json.dumps([validate_bytes(d).as_dict() for d in docs], sort_keys=True))
"""


def test_results_are_identical_across_processes() -> None:
    from tests.conftest import CONFORMANCE

    examples = sorted(str(p) for p in (CONFORMANCE / "examples").glob("*.xml"))[:10]
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", _DETERMINISM, *examples],
            cwd=REPO,
            env=env,
            capture_output=True,
            check=True,
        ).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert json.loads(runs[0])[0]["document"] == "Invoice"


def _with_attachment(text: str) -> bytes:
    reference = (
        "<cac:AdditionalDocumentReference><cbc:ID>A1</cbc:ID><cac:Attachment>"
        '<cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="a.pdf">'
        f"{text}</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>"
        "</cac:AdditionalDocumentReference>"
    )
    anchor = b"<cac:AccountingSupplierParty>"
    return generate_invoice(1).replace(anchor, reference.encode() + anchor)


_B64_CASES = [
    "", "QQ==", "QR==", "QUI=", "QUJ=", "QUJD", "QUJ", "Q", "QQ=", "QQ===", "=", "QQ==QQ==",
    "QQ= =", "Q Q = =", "QUJD\nRUZH", " QUJD ", "QU!JD", "QQ==!", "Q\u00e9QJD", "QUJDRB==",
    "QUJDREV=", "QUJD=QUJD", "QQ=\t=", "....", "A=A=",
]  # fmt: skip


@pytest.mark.parametrize("text", _B64_CASES)
def test_fast_base64_check_agrees_with_libxml2(text: str) -> None:
    # Small attachments are checked by libxml2 itself: the Python mirror must agree.
    libxml2 = validate_bytes(_with_attachment(text)).schema_valid
    assert schema.base64_lexically_valid(text) == libxml2


@pytest.mark.parametrize("bad", ["", "!", "=", "A"])
def test_large_attachment_is_checked_and_the_tree_restored(bad: str) -> None:
    good = "QUJD" * (schema.LARGE_BINARY // 4 + 1)
    assert validate_bytes(_with_attachment(good)).schema_valid
    broken = validate_bytes(_with_attachment(good + bad))
    assert broken.schema_valid == (bad in ("", "!"))  # a stray "!" is ignored, like libxml2
    doc = Document(etree.fromstring(_with_attachment(good + bad)))
    before = etree.tostring(doc.root)
    (attachment,) = doc.all(schema.BINARY_OBJECT)
    schema.validate_schema(doc)
    assert etree.tostring(doc.root) == before
    assert attachment.getparent() is not None and attachment.text == good + bad
