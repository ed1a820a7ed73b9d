"""Focused tests of the UBL syntax family (UBL-CR, UBL-SR, UBL-DT) beyond the official cases."""

from __future__ import annotations

import pytest

from tasks.ehf.engine import evaluate_rules
from tasks.ehf.registry import catalogue
from tasks.ehf.safexml import parse_bytes

NS = (
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" '
    'xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"'
)
MINE = {i for i, r in catalogue().items() if r.family == "ubl_syntax"}


def fired(body: str, root: str = "Invoice") -> dict[str, list[str]]:
    """Our rule ids that fire on ``body`` inside a UBL root, with their locations."""
    ns = f"urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
    xml = f'<{root} xmlns="{ns}" {NS}>{body}</{root}>'.encode()
    out: dict[str, list[str]] = {}
    for f in evaluate_rules(parse_bytes(xml)):
        if f.rule in MINE:
            out.setdefault(f.rule, []).append(f.location)
    return out


def test_table_rule_fires_once_at_root_for_each_line_kind() -> None:
    line = "<cac:{0}><cbc:UUID>1</cbc:UUID></cac:{0}>"
    hits = fired(line.format("InvoiceLine") * 3)
    assert hits == {
        "UBL-CR-515": ["/ubl:Invoice"],
        "UBL-SR-48": [
            "/ubl:Invoice/cac:InvoiceLine[1]",
            "/ubl:Invoice/cac:InvoiceLine[2]",
            "/ubl:Invoice/cac:InvoiceLine[3]",
        ],
    }
    assert "UBL-CR-515" in fired(line.format("CreditNoteLine"), root="CreditNote")


def test_line_path_applies_only_below_a_line() -> None:
    # cbc:UUID directly under the root is another rule (UBL-CR-005), not the line rule.
    assert set(fired("<cbc:UUID>1</cbc:UUID>")) == {"UBL-CR-005"}


def test_attribute_anywhere_and_its_exception() -> None:
    ok = '<cac:PaymentMeans><cbc:PaymentMeansCode name="x">30</cbc:PaymentMeansCode>'
    ok += "</cac:PaymentMeans>"
    assert "UBL-DT-18" not in fired(ok)
    assert "UBL-DT-18" in fired('<cbc:Note name="x">n</cbc:Note>')
    assert "UBL-DT-08" in fired('<cbc:Note><cbc:ID schemeName="deep">1</cbc:ID></cbc:Note>')


def test_descendant_attribute_path_checks_the_parent() -> None:
    tax = "<cac:{0}><cbc:ID schemeID='UNCL5305'>S</cbc:ID></cac:{0}>"
    assert "UBL-CR-679" in fired(tax.format("ClassifiedTaxCategory"))
    assert "UBL-CR-679" not in fired(tax.format("PartyIdentification"))


def test_payment_means_due_date_only_in_invoices() -> None:
    body = (
        "<cac:PaymentMeans><cbc:PaymentDueDate>2024-01-01</cbc:PaymentDueDate></cac:PaymentMeans>"
    )
    assert "UBL-CR-412" in fired(body)
    assert "UBL-CR-412" not in fired(body, root="CreditNote")


def test_no_root_rules_on_a_foreign_root() -> None:
    xml = f"<Order {NS}><cbc:UUID>1</cbc:UUID><cbc:Note name='x'/></Order>".encode()
    assert not {f.rule for f in evaluate_rules(parse_bytes(xml))} & MINE


def test_amount_decimals_and_price_allowance_exception() -> None:
    assert "UBL-DT-01" in fired(
        '<cbc:Note/><cac:X><cbc:TaxAmount currencyID="NOK">1.005</cbc:TaxAmount></cac:X>'
    )
    assert "UBL-DT-01" not in fired('<cbc:TaxAmount currencyID="NOK">1.00</cbc:TaxAmount>')
    # A malformed amount is judged on its raw text: a finding, never a crash.
    assert "UBL-DT-01" in fired("<cbc:TaxAmount>1.2.3.4</cbc:TaxAmount>")
    price = (
        "<cac:InvoiceLine><cac:Item><cac:ClassifiedTaxCategory/></cac:Item><cac:Price>"
        "<cbc:PriceAmount>1.12345</cbc:PriceAmount><cac:AllowanceCharge>"
        "<cbc:Amount>0.12345</cbc:Amount><cbc:BaseAmount>1.12345</cbc:BaseAmount>"
        "</cac:AllowanceCharge></cac:Price></cac:InvoiceLine>"
    )
    assert "UBL-DT-01" not in fired(price)


def test_allowance_rule_takes_a_node_with_both_indicators() -> None:
    body = (
        "<cac:AllowanceCharge><cbc:ChargeIndicator>true</cbc:ChargeIndicator>"
        "<cbc:ChargeIndicator> false </cbc:ChargeIndicator>"
        "<cbc:AllowanceChargeReason>a</cbc:AllowanceChargeReason>"
        "<cbc:AllowanceChargeReason>b</cbc:AllowanceChargeReason></cac:AllowanceCharge>"
    )
    hits = fired(body)
    assert "UBL-SR-30" in hits and "UBL-SR-31" not in hits


def test_payee_equal_to_seller_fires() -> None:
    seller = (
        "<cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity>"
        "<cbc:RegistrationName>ACME</cbc:RegistrationName>"
        "</cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>"
    )
    payee = (
        "<cac:PayeeParty><cac:PartyName><cbc:Name>{}</cbc:Name></cac:PartyName></cac:PayeeParty>"
    )
    assert {"UBL-SR-19", "UBL-SR-20", "UBL-SR-21"} <= set(fired(seller + payee.format("ACME")))
    assert not {"UBL-SR-19", "UBL-SR-20"} & set(fired(seller + payee.format("Factor AS")))


def findings(body: str, root: str = "Invoice") -> dict[str, list[dict[str, object]]]:
    """Our rule ids that fire on ``body`` inside a UBL root, with the location and values of
    each finding."""
    ns = f"urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
    xml = f'<{root} xmlns="{ns}" {NS}>{body}</{root}>'.encode()
    out: dict[str, list[dict[str, object]]] = {}
    for f in evaluate_rules(parse_bytes(xml)):
        if f.rule in MINE:
            out.setdefault(f.rule, []).append({"at": f.location, **f.values})
    return out


def test_table_rule_names_its_first_offender_in_document_order() -> None:
    # UBL-CR-515 reaches cbc:UUID by two paths (below either line tag): the first UUID of the
    # document on either path is named, not the first below an invoice line, and a UUID
    # that is on no path (under a party, under a nested line) does not count.
    body = (
        "<cac:AccountingSupplierParty><cbc:UUID>0</cbc:UUID></cac:AccountingSupplierParty>"
        "<cac:X><cac:InvoiceLine><cbc:UUID>1</cbc:UUID></cac:InvoiceLine></cac:X>"
        "<cac:InvoiceLine><cbc:ID>1</cbc:ID></cac:InvoiceLine>"
        "<cac:CreditNoteLine><cbc:UUID>2</cbc:UUID></cac:CreditNoteLine>"
        "<cac:InvoiceLine><cbc:UUID>3</cbc:UUID></cac:InvoiceLine>"
    )
    assert findings(body)["UBL-CR-515"] == [
        {"at": "/ubl:Invoice", "element": "/ubl:Invoice/cac:CreditNoteLine[1]/cbc:UUID[1]"}
    ]
    # Deeper root paths: only an element whose whole chain matches is an offender, the first
    # of them for each rule (UBL-CR-143 for the seller, UBL-CR-206 for the buyer).
    party = "<cac:{0}><cac:Party><cbc:WebsiteURI>u</cbc:WebsiteURI></cac:Party></cac:{0}>"
    roles = ("X", "AccountingCustomerParty", "AccountingSupplierParty", "AccountingSupplierParty")
    hits = findings("".join(party.format(role) for role in roles))
    uri = "/ubl:Invoice/cac:{}[1]/cac:Party[1]/cbc:WebsiteURI[1]"
    assert {rule: hits[rule] for rule in ("UBL-CR-143", "UBL-CR-206")} == {
        "UBL-CR-143": [{"at": "/ubl:Invoice", "element": uri.format("AccountingSupplierParty")}],
        "UBL-CR-206": [{"at": "/ubl:Invoice", "element": uri.format("AccountingCustomerParty")}],
    }


def test_counts_at_the_root_and_under_each_line() -> None:
    names = "<cbc:RegistrationName>{}</cbc:RegistrationName>"
    seller = "<cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity>{}"
    seller += "</cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>"
    twice = seller.format(names.format("A") + names.format("B"))
    assert findings(twice)["UBL-SR-09"] == [{"at": "/ubl:Invoice", "count": 2, "maximum": 1}]
    assert "UBL-SR-09" not in findings(seller.format(names.format("A")) * 1)
    # A count of an attribute: only the codes that carry it.
    code = "<cac:PaymentMeans><cbc:PaymentMeansCode{}>30</cbc:PaymentMeansCode></cac:PaymentMeans>"
    assert "UBL-SR-46" in findings(code.format(' name="a"') * 2)
    assert "UBL-SR-46" not in findings(code.format(' name="a"') + code.format(""))
    # Line notes are counted per line: the lines with two or three are reported, each with its
    # own count, the line with one is not.
    line = "<cac:InvoiceLine>{}<cac:Item><cac:ClassifiedTaxCategory/></cac:Item></cac:InvoiceLine>"
    notes = [line.format("<cbc:Note>n</cbc:Note>" * n) for n in (2, 1, 3)]
    assert findings("".join(notes))["UBL-SR-34"] == [
        {"at": "/ubl:Invoice/cac:InvoiceLine[1]", "count": 2, "maximum": 1},
        {"at": "/ubl:Invoice/cac:InvoiceLine[3]", "count": 3, "maximum": 1},
    ]


def test_lines_not_under_the_root_are_counted_too() -> None:
    # The count contexts are //cac:InvoiceLine: a line nested elsewhere is one as well, and a
    # line without a classified tax category breaks the minimum of UBL-SR-48 wherever it is.
    item = "<cac:Item><cac:ClassifiedTaxCategory/></cac:Item>"
    body = (
        f"<cac:InvoiceLine><cbc:Note>a</cbc:Note>{item}</cac:InvoiceLine>"
        f"<cac:X><cac:InvoiceLine><cbc:Note>a</cbc:Note><cbc:Note>b</cbc:Note>{item}"
        "</cac:InvoiceLine><cac:InvoiceLine><cbc:Note>c</cbc:Note></cac:InvoiceLine></cac:X>"
    )
    hits = findings(body)
    assert hits["UBL-SR-34"] == [
        {"at": "/ubl:Invoice/cac:X[1]/cac:InvoiceLine[1]", "count": 2, "maximum": 1}
    ]
    assert hits["UBL-SR-48"] == [
        {"at": "/ubl:Invoice/cac:X[1]/cac:InvoiceLine[2]", "count": 0, "maximum": 1}
    ]
    assert "UBL-SR-34" not in findings(f"<cac:X><cac:InvoiceLine>{item}</cac:InvoiceLine></cac:X>")


def _table_rules() -> list[tuple[str, str, str]]:
    return [
        (rule_id, info.data["context"], info.data["path"])
        for rule_id, info in sorted(catalogue().items())
        if info.family == "ubl_syntax" and info.data.get("context") in ("root", "line", "anywhere")
    ]


def _nest(steps: list[str], attribute: str | None) -> str:
    """``["cac:A", "cbc:B"]`` and ``"x"`` -> ``<cac:A><cbc:B x="1">v</cbc:B></cac:A>``."""
    if not steps:
        steps = ["cbc:Note"]  # an attribute forbidden anywhere: any element will do
    inner = "v"
    for depth, step in enumerate(reversed(steps)):
        attr = f' {attribute}="1"' if attribute and depth == 0 else ""
        inner = f"<{step}{attr}>{inner}</{step}>"
    return inner


@pytest.mark.parametrize(("rule_id", "context", "path"), _table_rules())
def test_every_table_rule_fires_on_its_element_and_not_without_it(
    rule_id: str, context: str, path: str
) -> None:
    """Each of the ~690 "should not be used" table rules, many without an official unit case:
    the element (or attribute) at its path makes it fire once, at the root; the same
    document without that last element (or attribute) does not."""
    element_path, _, attribute = path.partition("@")
    steps = [s for s in element_path.split("/") if s]
    wrap = {
        "root": "{}",
        "line": "<cac:InvoiceLine>{}</cac:InvoiceLine>",
        "anywhere": "<cac:Delivery>{}</cac:Delivery>",  # "anywhere" includes deeper down
    }[context]
    with_it = _nest(steps, attribute or None)
    without = _nest(steps, None) if attribute else _nest(steps[:-1], None) if steps[:-1] else ""
    assert fired(wrap.format(with_it)).get(rule_id) == ["/ubl:Invoice"]
    assert rule_id not in fired(wrap.format(without))
