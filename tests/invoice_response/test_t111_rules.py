"""Each T111 rule fires on a document made to break it, and not on the same document intact.

The base is a full Invoice Response (every optional element of the data model present); each
case changes one thing. Runs from the repository alone.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import etree

from tasks.ehf.rules.t111.data import catalogue
from tasks.ehf.validate import validate_bytes
from tasks.ehf.vocabulary import NS_CAC, NS_CBC

NS_AR = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
NS = {"cbc": NS_CBC, "cac": NS_CAC, "ubl": NS_AR}

BASE = f"""<?xml version="1.0" encoding="UTF-8"?>
<ApplicationResponse xmlns="{NS_AR}" xmlns:cac="{NS_CAC}" xmlns:cbc="{NS_CBC}">
  <cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:invoice_response:3</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:invoice_response:3</cbc:ProfileID>
  <cbc:ID>IR-1-UQ-PRI</cbc:ID>
  <cbc:IssueDate>2026-11-30</cbc:IssueDate>
  <cbc:IssueTime>12:00:00</cbc:IssueTime>
  <cbc:Note>Ring oss gjerne.</cbc:Note>
  <cac:SenderParty>
    <cbc:EndpointID schemeID="0192">964338531</cbc:EndpointID>
    <cac:PartyIdentification><cbc:ID schemeID="0192">964338531</cbc:ID></cac:PartyIdentification>
    <cac:PartyLegalEntity><cbc:RegistrationName>Testdal kommune</cbc:RegistrationName>
    </cac:PartyLegalEntity>
    <cac:Contact><cbc:Name>Kari Nordmann</cbc:Name><cbc:Telephone>22000000</cbc:Telephone>
      <cbc:ElectronicMail>kari@testdal.kommune.no</cbc:ElectronicMail></cac:Contact>
  </cac:SenderParty>
  <cac:ReceiverParty>
    <cbc:EndpointID schemeID="0192">123456785</cbc:EndpointID>
    <cac:PartyIdentification><cbc:ID schemeID="0192">123456785</cbc:ID></cac:PartyIdentification>
    <cac:PartyLegalEntity><cbc:RegistrationName>Leverandør AS</cbc:RegistrationName>
    </cac:PartyLegalEntity>
  </cac:ReceiverParty>
  <cac:DocumentResponse>
    <cac:Response>
      <cbc:ResponseCode>UQ</cbc:ResponseCode>
      <cbc:EffectiveDate>2026-11-30</cbc:EffectiveDate>
      <cac:Status>
        <cbc:StatusReasonCode listID="OPStatusReason">PRI</cbc:StatusReasonCode>
        <cbc:StatusReason>Linje 1: pris 110 avviker fra bestilt pris 100.</cbc:StatusReason>
        <cac:Condition><cbc:AttributeID>BT-146</cbc:AttributeID>
          <cbc:Description>100.00</cbc:Description></cac:Condition>
      </cac:Status>
      <cac:Status><cbc:StatusReasonCode listID="OPStatusAction">CNP</cbc:StatusReasonCode>
      </cac:Status>
    </cac:Response>
    <cac:DocumentReference>
      <cbc:ID>F-1001</cbc:ID>
      <cbc:IssueDate>2026-11-28</cbc:IssueDate>
      <cbc:DocumentTypeCode>380</cbc:DocumentTypeCode>
    </cac:DocumentReference>
    <cac:IssuerParty>
      <cac:PartyIdentification><cbc:ID schemeID="0192">964338531</cbc:ID></cac:PartyIdentification>
      <cac:PartyName><cbc:Name>Testdal kommune</cbc:Name></cac:PartyName>
    </cac:IssuerParty>
    <cac:RecipientParty>
      <cac:PartyIdentification><cbc:ID schemeID="0192">123456785</cbc:ID></cac:PartyIdentification>
      <cac:PartyName><cbc:Name>Leverandør AS</cbc:Name></cac:PartyName>
    </cac:RecipientParty>
  </cac:DocumentResponse>
</ApplicationResponse>
""".encode()

Mutation = Callable[[etree._Element], None]
SENDER, RECEIVER = "cac:SenderParty", "cac:ReceiverParty"
RESPONSE = "cac:DocumentResponse/cac:Response"
STATUS = f"{RESPONSE}/cac:Status[1]"
REFERENCE = "cac:DocumentResponse/cac:DocumentReference"
ISSUER, RECIPIENT = (
    "cac:DocumentResponse/cac:IssuerParty",
    "cac:DocumentResponse/cac:RecipientParty",
)


def _one(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=NS) if path else [root]
    assert len(found) == 1, path
    return found[0]


def remove(path: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        el = _one(root, path)
        el.getparent().remove(el)

    return mutate


def add(parent: str, name: str, value: str = "x") -> Mutation:
    def mutate(root: etree._Element) -> None:
        prefix, _, local = name.partition(":")
        etree.SubElement(_one(root, parent), f"{{{NS[prefix]}}}{local}").text = value

    return mutate


def text(path: str, value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        _one(root, path).text = value

    return mutate


def attr(path: str, name: str, value: str | None) -> Mutation:
    def mutate(root: etree._Element) -> None:
        el = _one(root, path)
        if value is None:
            del el.attrib[name]
        else:
            el.set(name, value)

    return mutate


def identifier(scheme: str, value: str, where: str = f"{SENDER}/cbc:EndpointID") -> Mutation:
    def mutate(root: etree._Element) -> None:
        el = _one(root, where)
        el.set("schemeID", scheme)
        el.text = value

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(root: etree._Element) -> None:
        for m in mutations:
            m(root)

    return mutate


def dutch_vat_number(root: etree._Element) -> None:
    sender = _one(root, SENDER)
    scheme = etree.SubElement(sender, f"{{{NS_CAC}}}PartyTaxScheme")
    etree.SubElement(scheme, f"{{{NS_CBC}}}CompanyID").text = "NL123"
    tax = etree.SubElement(scheme, f"{{{NS_CAC}}}TaxScheme")
    etree.SubElement(tax, f"{{{NS_CBC}}}ID").text = "VAT"


XSI = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
PARTY_ID = f"{SENDER}/cac:PartyIdentification/cbc:ID"

CASES: dict[str, Mutation] = {
    "PEPPOL-COMMON-R001": text("cbc:Note", " "),
    "PEPPOL-COMMON-R003": attr("", XSI, "x.xsd"),
    "PEPPOL-COMMON-R030": text("cbc:IssueDate", "30.11.2026"),
    "PEPPOL-COMMON-R040": identifier("0088", "5798000012348"),
    "PEPPOL-COMMON-R041": identifier("0192", "123456789"),
    "PEPPOL-COMMON-R042": identifier("0184", "DK1234567"),
    "PEPPOL-COMMON-R043": identifier("0208", "0123456789"),
    "PEPPOL-COMMON-R044": identifier("0201", "ABC"),
    "PEPPOL-COMMON-R045": identifier("0210", "123"),
    "PEPPOL-COMMON-R046": identifier("9907", "123"),
    "PEPPOL-COMMON-R047": identifier("0211", "IT123"),
    "PEPPOL-COMMON-R049": identifier("0007", "1234567890"),
    "PEPPOL-COMMON-R050": identifier("0151", "12345678901"),
    "PEPPOL-COMMON-R052": identifier("0096", "123"),
    "PEPPOL-COMMON-R053": identifier("0198", "12345678", PARTY_ID),
    "PEPPOL-COMMON-R054": identifier("0106", "123"),
    "PEPPOL-COMMON-R055": identifier("0190", "123"),
    "PEPPOL-COMMON-R056-1": identifier("9944", "NL123", PARTY_ID),
    "PEPPOL-COMMON-R056-2": dutch_vat_number,
    "PEPPOL-COMMON-R057": identifier("0217", "123"),
    "PEPPOL-T111-B00101": remove("cbc:CustomizationID"),
    "PEPPOL-T111-B00102": remove("cbc:ProfileID"),
    "PEPPOL-T111-B00103": remove("cbc:ID"),
    "PEPPOL-T111-B00104": remove("cbc:IssueDate"),
    "PEPPOL-T111-B00105": remove(SENDER),
    "PEPPOL-T111-B00106": remove(RECEIVER),
    "PEPPOL-T111-B00107": remove("cac:DocumentResponse"),
    "PEPPOL-T111-B00108": attr("", XSI, "x.xsd"),
    "PEPPOL-T111-B00109": add("", "cbc:UUID"),
    "PEPPOL-T111-B00801": remove(f"{SENDER}/cbc:EndpointID"),
    "PEPPOL-T111-B00802": remove(f"{SENDER}/cac:PartyLegalEntity"),
    "PEPPOL-T111-B00803": add(SENDER, "cbc:WebsiteURI"),
    "PEPPOL-T111-B00901": attr(f"{SENDER}/cbc:EndpointID", "schemeID", None),
    "PEPPOL-T111-B00902": attr(f"{SENDER}/cbc:EndpointID", "schemeID", "XXXX"),
    "PEPPOL-T111-B01101": both(
        remove(PARTY_ID), add(f"{SENDER}/cac:PartyIdentification", "cbc:Name")
    ),
    "PEPPOL-T111-B01201": attr(PARTY_ID, "schemeID", "XXXX"),
    "PEPPOL-T111-B01401": both(
        remove(f"{SENDER}/cac:PartyLegalEntity/cbc:RegistrationName"),
        add(f"{SENDER}/cac:PartyLegalEntity", "cbc:CompanyID"),
    ),
    "PEPPOL-T111-B01402": add(f"{SENDER}/cac:PartyLegalEntity", "cbc:CompanyID"),
    "PEPPOL-T111-B01601": add(f"{SENDER}/cac:Contact", "cbc:Telefax"),
    "PEPPOL-T111-B02001": remove(f"{RECEIVER}/cbc:EndpointID"),
    "PEPPOL-T111-B02002": remove(f"{RECEIVER}/cac:PartyLegalEntity"),
    "PEPPOL-T111-B02003": add(RECEIVER, "cbc:WebsiteURI"),
    "PEPPOL-T111-B02101": attr(f"{RECEIVER}/cbc:EndpointID", "schemeID", None),
    "PEPPOL-T111-B02102": attr(f"{RECEIVER}/cbc:EndpointID", "schemeID", "XXXX"),
    "PEPPOL-T111-B02301": both(
        remove(f"{RECEIVER}/cac:PartyIdentification/cbc:ID"),
        add(f"{RECEIVER}/cac:PartyIdentification", "cbc:Name"),
    ),
    "PEPPOL-T111-B02401": attr(f"{RECEIVER}/cac:PartyIdentification/cbc:ID", "schemeID", "X"),
    "PEPPOL-T111-B02601": both(
        remove(f"{RECEIVER}/cac:PartyLegalEntity/cbc:RegistrationName"),
        add(f"{RECEIVER}/cac:PartyLegalEntity", "cbc:CompanyID"),
    ),
    "PEPPOL-T111-B02602": add(f"{RECEIVER}/cac:PartyLegalEntity", "cbc:CompanyID"),
    "PEPPOL-T111-B02801": remove(RESPONSE),
    "PEPPOL-T111-B02802": remove(REFERENCE),
    "PEPPOL-T111-B02803": add("cac:DocumentResponse", "cbc:UUID"),
    "PEPPOL-T111-B02901": remove(f"{RESPONSE}/cbc:ResponseCode"),
    "PEPPOL-T111-B02902": add(RESPONSE, "cbc:Description"),
    "PEPPOL-T111-B03001": text(f"{RESPONSE}/cbc:ResponseCode", "XX"),
    "PEPPOL-T111-B03201": add(STATUS, "cbc:Description"),
    "PEPPOL-T111-B03301": text(f"{STATUS}/cbc:StatusReasonCode", "XXX"),
    "PEPPOL-T111-B03302": attr(f"{STATUS}/cbc:StatusReasonCode", "listID", None),
    "PEPPOL-T111-B03303": attr(f"{STATUS}/cbc:StatusReasonCode", "listID", "Other"),
    "PEPPOL-T111-B03601": remove(f"{STATUS}/cac:Condition/cbc:AttributeID"),
    "PEPPOL-T111-B03602": add(f"{STATUS}/cac:Condition", "cbc:UUID"),
    "PEPPOL-T111-B03901": remove(f"{REFERENCE}/cbc:ID"),
    "PEPPOL-T111-B03902": remove(f"{REFERENCE}/cbc:DocumentTypeCode"),
    "PEPPOL-T111-B03903": add(REFERENCE, "cbc:UUID"),
    "PEPPOL-T111-B04201": text(f"{REFERENCE}/cbc:DocumentTypeCode", "0"),
    "PEPPOL-T111-B04301": remove(f"{ISSUER}/cac:PartyName"),
    "PEPPOL-T111-B04302": add(ISSUER, "cbc:WebsiteURI"),
    "PEPPOL-T111-B04401": both(
        remove(f"{ISSUER}/cac:PartyIdentification/cbc:ID"),
        add(f"{ISSUER}/cac:PartyIdentification", "cbc:Name"),
    ),
    "PEPPOL-T111-B04501": attr(f"{ISSUER}/cac:PartyIdentification/cbc:ID", "schemeID", "X"),
    "PEPPOL-T111-B04701": both(
        remove(f"{ISSUER}/cac:PartyName/cbc:Name"), add(f"{ISSUER}/cac:PartyName", "cbc:ID")
    ),
    "PEPPOL-T111-B04901": remove(f"{RECIPIENT}/cac:PartyName"),
    "PEPPOL-T111-B04902": add(RECIPIENT, "cbc:WebsiteURI"),
    "PEPPOL-T111-B05001": both(
        remove(f"{RECIPIENT}/cac:PartyIdentification/cbc:ID"),
        add(f"{RECIPIENT}/cac:PartyIdentification", "cbc:Name"),
    ),
    "PEPPOL-T111-B05101": attr(f"{RECIPIENT}/cac:PartyIdentification/cbc:ID", "schemeID", "X"),
    "PEPPOL-T111-B05301": both(
        remove(f"{RECIPIENT}/cac:PartyName/cbc:Name"), add(f"{RECIPIENT}/cac:PartyName", "cbc:ID")
    ),
    "PEPPOL-T111-R001": both(
        text(f"{RESPONSE}/cbc:ResponseCode", "RE"),
        remove(f"{RESPONSE}/cac:Status[2]"),
        remove(STATUS),
    ),
    "PEPPOL-T111-R002": both(
        text(f"{STATUS}/cbc:StatusReasonCode", "OTH"), remove(f"{STATUS}/cbc:StatusReason")
    ),
    "PEPPOL-T111-R003": text("cbc:CustomizationID", "urn:fdc:peppol.eu:poacc:trns:order:3"),
    "PEPPOL-T111-R004": both(
        text(f"{STATUS}/cbc:StatusReasonCode", "PPD"), remove(f"{STATUS}/cbc:StatusReason")
    ),
    "PEPPOL-T111-R006": attr(f"{STATUS}/cbc:StatusReasonCode", "listID", "OPStatusAction"),
    "PEPPOL-T111-R007": text(f"{STATUS}/cbc:StatusReasonCode", "NIN"),
    "PEPPOL-T111-R008": text("cbc:ProfileID", "urn:fdc:peppol.eu:poacc:bis:ordering:3"),
}

#: Rules that cannot fail as the official Schematron writes them.
NEVER_FAILS = {"PEPPOL-T111-R005"}


def _mutated(mutation: Mutation) -> bytes:
    root = etree.fromstring(BASE)
    mutation(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_the_base_document_is_valid_without_any_finding() -> None:
    result = validate_bytes(BASE)
    assert result.document == "ApplicationResponse"
    assert result.schema_valid, result.schema_errors
    assert result.findings == ()


def test_every_rule_has_a_case() -> None:
    assert set(CASES) | NEVER_FAILS == set(catalogue())


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_its_case(rule_id: str) -> None:
    result = validate_bytes(_mutated(CASES[rule_id]), lang="en")
    fired = {f.rule: f for f in result.findings}
    assert rule_id in fired, [f.rule for f in result.findings]
    info = catalogue()[rule_id]
    assert fired[rule_id].severity == info.flag
    assert fired[rule_id].message == info.en
    assert result.valid is (info.flag == "warning" and not result.fatal and result.schema_valid)


def test_ppd_outside_pd_passes_r005_as_the_official_test_is_written() -> None:
    # exists(/cbc:ResponseCode='PD') is exists(false()): the official rule never fails.
    mutant = _mutated(text(f"{STATUS}/cbc:StatusReasonCode", "PPD"))
    assert "PEPPOL-T111-R005" not in {f.rule for f in validate_bytes(mutant).findings}


def test_a_status_coded_oth_is_not_checked_by_the_ppd_rule() -> None:
    # First match within a pattern: the OTH rule takes the Status before the PPD rule.
    both_codes = both(
        text(f"{STATUS}/cbc:StatusReasonCode", "OTH"),
        add(STATUS, "cbc:StatusReasonCode", "PPD"),
        remove(f"{STATUS}/cbc:StatusReason"),
    )
    fired = {f.rule for f in validate_bytes(_mutated(both_codes)).findings}
    assert "PEPPOL-T111-R002" in fired
    assert "PEPPOL-T111-R004" not in fired


def test_the_status_test_is_a_substring_test_as_written() -> None:
    # contains(' CA UQ RE ', concat(' ', code, ' ')): 'UQ RE' matches, an empty code does not.
    def without_status(code: str) -> set[str]:
        mutation = both(
            text(f"{RESPONSE}/cbc:ResponseCode", code),
            remove(f"{RESPONSE}/cac:Status[2]"),
            remove(STATUS),
        )
        return {f.rule for f in validate_bytes(_mutated(mutation)).findings}

    assert "PEPPOL-T111-R001" in without_status("UQ RE")
    assert "PEPPOL-T111-R001" not in without_status("")
    assert "PEPPOL-T111-R001" not in without_status("AP")


def test_findings_name_the_element_and_come_in_document_order() -> None:
    mutant = _mutated(
        both(add("", "cbc:UUID"), attr(f"{SENDER}/cbc:EndpointID", "schemeID", "XXXX"))
    )
    findings = validate_bytes(mutant).findings
    assert [(f.rule, f.location) for f in findings] == [
        ("PEPPOL-T111-B00902", "/ApplicationResponse/cac:SenderParty[1]/cbc:EndpointID[1]"),
        ("PEPPOL-T111-B00109", "/ApplicationResponse/cbc:UUID[1]"),
    ]


def test_an_enveloped_response_is_validated_as_a_response() -> None:
    sbdh = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
    body = BASE.split(b"?>", 1)[1]
    wrapped = (
        (
            f'<StandardBusinessDocument xmlns="{sbdh}"><StandardBusinessDocumentHeader>'
            "<HeaderVersion>1.0</HeaderVersion></StandardBusinessDocumentHeader>"
        ).encode()
        + body
        + b"</StandardBusinessDocument>"
    )
    result = validate_bytes(wrapped)
    assert result.document == "ApplicationResponse"
    assert result.valid, (result.schema_errors, result.findings)
