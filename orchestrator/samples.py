"""Demo and test documents: a minimal BIS 3 invoice and the broken files receipt must survive.

Each broken file names the exception code it must end as, so the demo summary and the
integration tests check the same expectations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from tasks.ehf.envelope import SBDH_NS
from tasks.ehf.samples.generate import BIS3, InvoiceSpec, LineSpec, PartySpec, build_document

EHF2 = (
    "urn:www.cenbii.eu:transaction:biitrns010:ver2.0:extended:"
    "urn:www.peppol.eu:bis:peppol5a:ver2.0:extended:urn:www.difi.no:ehf:faktura:ver2.0"
)

_ORDER = b"""<?xml version="1.0" encoding="UTF-8"?>
<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order:3</cbc:CustomizationID>
 <cbc:ID>PO-1</cbc:ID>
</Order>
"""

_XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&xxe;</Invoice>
"""

_BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>\n<lolz>&lol9;</lolz>\n"
)


def invoice(number: str, supplier: str = "923609016", customization: str = BIS3) -> bytes:
    """A small, valid BIS 3 invoice with one embedded CSV attachment (a time sheet)."""
    return build_document(
        InvoiceSpec(
            number=number,
            supplier=PartySpec(supplier, "Leverandør AS"),
            buyer=PartySpec("964338531", "Demo kommune", vat_registered=False),
            lines=(LineSpec("KT-1", "Konsulenttimer", Decimal(10), Decimal(100), unit="HUR"),),
            buyer_reference="4025",
            account="12345678903",
            kid="1234567897",
            customization_id=customization,
            attachments=(("timer.csv", "text/csv", "ZGF0byx0aW1lcgoyMDI2LTA1LTAyLDcuNQo="),),
        )
    )


def wrap_in_sbdh(document: bytes) -> bytes:
    """``document`` inside a Peppol StandardBusinessDocument envelope."""
    body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", document)
    header = (
        f'<StandardBusinessDocument xmlns="{SBDH_NS}"><StandardBusinessDocumentHeader>'
        "<HeaderVersion>1.0</HeaderVersion>"
        '<Sender><Identifier Authority="iso6523-actorid-upis">0192:923609016</Identifier></Sender>'
        '<Receiver><Identifier Authority="iso6523-actorid-upis">0192:964338531</Identifier>'
        "</Receiver><DocumentIdentification><Standard>urn:oasis:names:specification:ubl:schema"
        ":xsd:Invoice-2</Standard><TypeVersion>2.1</TypeVersion>"
        "<InstanceIdentifier>demo-1</InstanceIdentifier><Type>Invoice</Type>"
        "</DocumentIdentification></StandardBusinessDocumentHeader>"
    ).encode()
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n' + header + body + b"</StandardBusinessDocument>"
    )


def renumbered(document: bytes, suffix: str) -> bytes:
    """``document`` with ``suffix`` added to its invoice number (the first cbc:ID)."""
    return re.sub(
        rb"(<cbc:ID>)([^<]*)(</cbc:ID>)", rb"\1\2" + suffix.encode() + rb"\3", document, count=1
    )


@dataclass(frozen=True)
class Sample:
    """A file to drop in the inbox and what receipt must make of it."""

    name: str
    content: bytes
    expected: str  # "received", an exception code, or "redelivery"


def broken_files(valid: bytes) -> list[Sample]:
    """The hostile and wrong files, built around one valid invoice ``valid``."""
    return [
        Sample("tom.xml", b"", "NOT-XML"),
        # A damaged PDF is still a PDF invoice: a person reads it (docs/pdf-invoices.md).
        Sample("skannet-faktura.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF-REVIEW"),
        Sample("avkuttet.xml", valid[: len(valid) // 2], "NOT-XML"),
        Sample("xxe.xml", _XXE, "NOT-XML"),
        Sample("billion-laughs.xml", _BILLION_LAUGHS, "NOT-XML"),
        Sample("bestilling.xml", _ORDER, "UNSUPPORTED-DOCUMENT"),
        Sample("ehf2-faktura.xml", invoice("EHF2-1", customization=EHF2), "UNSUPPORTED-DOCUMENT"),
        # Same supplier and number as ``valid`` but different bytes: a second delivery.
        Sample("duplikat.xml", valid + b"<!-- sendt pa nytt -->\n", "DUPLICATE-INVOICE"),
        Sample("sbdh-konvolutt.xml", wrap_in_sbdh(renumbered(valid, "-SBDH")), "received"),
        # Byte-identical to ``valid``: recorded in the audit trail and otherwise ignored.
        Sample("samme-fil-igjen.xml", valid, "redelivery"),
    ]
