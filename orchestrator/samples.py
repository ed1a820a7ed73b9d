"""Demo and test documents: a minimal BIS 3 invoice and the broken files receipt must survive.

Each broken file names the exception code it must end as, so the demo summary and the
integration tests check the same expectations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.receipt.sbdh import SBDH_NS

BIS3 = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
EHF2 = (
    "urn:www.cenbii.eu:transaction:biitrns010:ver2.0:extended:"
    "urn:www.peppol.eu:bis:peppol5a:ver2.0:extended:urn:www.difi.no:ehf:faktura:ver2.0"
)

_INVOICE = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>{customization}</cbc:CustomizationID>
 <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
 <cbc:ID>{number}</cbc:ID>
 <cbc:IssueDate>2026-05-04</cbc:IssueDate>
 <cbc:DueDate>2026-06-03</cbc:DueDate>
 <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
 <cbc:DocumentCurrencyCode>NOK</cbc:DocumentCurrencyCode>
 <cbc:BuyerReference>4025</cbc:BuyerReference>
 <cac:AdditionalDocumentReference><cbc:ID>Timeliste</cbc:ID>
  <cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="text/csv" filename="timer.csv"
  >ZGF0byx0aW1lcgoyMDI2LTA1LTAyLDcuNQo=</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>
 </cac:AdditionalDocumentReference>
 <cac:AccountingSupplierParty><cac:Party>
  <cbc:EndpointID schemeID="0192">{supplier}</cbc:EndpointID>
  <cac:PostalAddress><cac:Country><cbc:IdentificationCode>NO</cbc:IdentificationCode>
  </cac:Country></cac:PostalAddress>
  <cac:PartyTaxScheme><cbc:CompanyID>NO{supplier}MVA</cbc:CompanyID>
  <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
  <cac:PartyLegalEntity><cbc:RegistrationName>Leverandør AS</cbc:RegistrationName>
  <cbc:CompanyID schemeID="0192">{supplier}</cbc:CompanyID></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party>
  <cbc:EndpointID schemeID="0192">964338531</cbc:EndpointID>
  <cac:PostalAddress><cac:Country><cbc:IdentificationCode>NO</cbc:IdentificationCode>
  </cac:Country></cac:PostalAddress>
  <cac:PartyLegalEntity><cbc:RegistrationName>Demo kommune</cbc:RegistrationName>
  <cbc:CompanyID schemeID="0192">964338531</cbc:CompanyID></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingCustomerParty>
 <cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>
  <cbc:PaymentID>0000000012345</cbc:PaymentID>
  <cac:PayeeFinancialAccount><cbc:ID>12345678903</cbc:ID></cac:PayeeFinancialAccount>
 </cac:PaymentMeans>
 <cac:TaxTotal><cbc:TaxAmount currencyID="NOK">250.00</cbc:TaxAmount>
  <cac:TaxSubtotal><cbc:TaxableAmount currencyID="NOK">1000.00</cbc:TaxableAmount>
  <cbc:TaxAmount currencyID="NOK">250.00</cbc:TaxAmount>
  <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent>
  <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal>
 </cac:TaxTotal>
 <cac:LegalMonetaryTotal>
  <cbc:LineExtensionAmount currencyID="NOK">1000.00</cbc:LineExtensionAmount>
  <cbc:TaxExclusiveAmount currencyID="NOK">1000.00</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="NOK">1250.00</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="NOK">1250.00</cbc:PayableAmount>
 </cac:LegalMonetaryTotal>
 <cac:InvoiceLine><cbc:ID>1</cbc:ID>
  <cbc:InvoicedQuantity unitCode="HUR">10</cbc:InvoicedQuantity>
  <cbc:LineExtensionAmount currencyID="NOK">1000.00</cbc:LineExtensionAmount>
  <cac:Item><cbc:Name>Konsulenttimer</cbc:Name>
  <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent>
  <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
  <cac:Price><cbc:PriceAmount currencyID="NOK">100.00</cbc:PriceAmount></cac:Price>
 </cac:InvoiceLine>
</Invoice>
"""

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
    """A small, valid-looking BIS 3 invoice with one embedded CSV attachment."""
    return _INVOICE.format(number=number, supplier=supplier, customization=customization).encode()


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
        Sample("skannet-faktura.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "NOT-XML"),
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
