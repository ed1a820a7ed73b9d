"""PEPPOL-T111-B*: the data model of the Invoice Response, as PEPPOLBIS-T111.sch states it.

The Schematron lists absolute contexts under ``/ubl:ApplicationResponse`` in one pattern, so
each element is handled by the first rule whose context matches it: the rules without
asserts (``cbc:Note``, ``cac:Contact/cbc:Name`` …) are what shield the elements of the model
from the catch-alls (``cac:SenderParty/*``, ``/*``) that come after them. ``RULES`` keeps the
file's order; a context is the list of steps below the root, ``*`` for any element.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tasks.ehf.document import Document
from tasks.ehf.registry import Report
from tasks.ehf.rules.t111.common import has_schema_location
from tasks.ehf.rules.t111.data import code_lists
from tasks.ehf.xpathfn import Element, compile_path, normalize_space

#: An assert: (rule id, test on the context element; True when the assert holds).
Assert = tuple[str, Callable[[Element], bool]]


def required(path: str, rule_id: str) -> Assert:
    """``path`` (one child step): MUST be provided."""
    (tag,) = compile_path(path)
    return rule_id, lambda el: any(c.tag == tag for c in el)


def attribute(name: str, rule_id: str) -> Assert:
    """``@name``: MUST be present."""
    return rule_id, lambda el: el.get(name) is not None


def attribute_in(name: str, code_list: str, rule_id: str) -> Assert:
    """``not(@name) or (some $code in $list satisfies $code = @name)``."""
    return rule_id, lambda el: el.get(name) is None or el.get(name) in code_lists()[code_list]


def text_in(rule_id: str, *lists: str) -> Assert:
    """``some $code in $list satisfies $code = normalize-space(text())``, over ``lists``."""

    def test(el: Element) -> bool:
        value = normalize_space(el.text)
        return any(value in code_lists()[name] for name in lists)

    return rule_id, test


def not_in_model(rule_id: str) -> Assert:
    """``false()``: whatever reaches this rule is not part of the data model."""
    return rule_id, lambda el: False


@dataclass(frozen=True)
class Rule:
    """A Schematron rule: its context (steps below the root) and its asserts."""

    steps: tuple[str, ...]
    asserts: tuple[Assert, ...] = ()


def rule(context: str, *asserts: Assert) -> Rule:
    """A rule for ``/ubl:ApplicationResponse/<context>`` ('' for the root itself)."""
    return Rule(compile_path(context) if context else (), asserts)


_RESPONSE = "cac:DocumentResponse/cac:Response"
_STATUS = f"{_RESPONSE}/cac:Status"
_REFERENCE = "cac:DocumentResponse/cac:DocumentReference"


def _b(number: int, assert_no: int) -> str:
    """The id of assert ``assert_no`` of the data-model rule ``number``: PEPPOL-T111-B00801."""
    return f"PEPPOL-T111-B{number:03d}{assert_no:02d}"


def addressed_party(party: str, n: int, *more: Rule) -> tuple[Rule, ...]:
    """SenderParty (``n`` = 8) and ReceiverParty (20): the same rules, numbered from ``n``;
    ``more`` are the sender's contact rules, before the catch-all."""
    return (
        rule(
            party, required("cbc:EndpointID", _b(n, 1)), required("cac:PartyLegalEntity", _b(n, 2))
        ),
        rule(
            f"{party}/cbc:EndpointID",
            attribute("schemeID", _b(n + 1, 1)),
            attribute_in("schemeID", "cleas", _b(n + 1, 2)),
        ),
        rule(f"{party}/cac:PartyIdentification", required("cbc:ID", _b(n + 3, 1))),
        rule(
            f"{party}/cac:PartyIdentification/cbc:ID",
            attribute_in("schemeID", "clICD", _b(n + 4, 1)),
        ),
        rule(f"{party}/cac:PartyLegalEntity", required("cbc:RegistrationName", _b(n + 6, 1))),
        rule(f"{party}/cac:PartyLegalEntity/cbc:RegistrationName"),
        rule(f"{party}/cac:PartyLegalEntity/*", not_in_model(_b(n + 6, 2))),
        *more,
        rule(f"{party}/*", not_in_model(_b(n, 3))),
    )


def named_party(party: str, n: int) -> tuple[Rule, ...]:
    """IssuerParty (``n`` = 43) and RecipientParty (49): the same rules, numbered from ``n``."""
    party = f"cac:DocumentResponse/{party}"
    return (
        rule(party, required("cac:PartyName", _b(n, 1))),
        rule(f"{party}/cac:PartyIdentification", required("cbc:ID", _b(n + 1, 1))),
        rule(
            f"{party}/cac:PartyIdentification/cbc:ID",
            attribute_in("schemeID", "clICD", _b(n + 2, 1)),
        ),
        rule(f"{party}/cac:PartyName", required("cbc:Name", _b(n + 4, 1))),
        rule(f"{party}/cac:PartyName/cbc:Name"),
        rule(f"{party}/*", not_in_model(_b(n, 2))),
    )


_CONTACT = "cac:SenderParty/cac:Contact"

RULES: tuple[Rule, ...] = (
    rule(
        "",
        required("cbc:CustomizationID", "PEPPOL-T111-B00101"),
        required("cbc:ProfileID", "PEPPOL-T111-B00102"),
        required("cbc:ID", "PEPPOL-T111-B00103"),
        required("cbc:IssueDate", "PEPPOL-T111-B00104"),
        required("cac:SenderParty", "PEPPOL-T111-B00105"),
        required("cac:ReceiverParty", "PEPPOL-T111-B00106"),
        required("cac:DocumentResponse", "PEPPOL-T111-B00107"),
        ("PEPPOL-T111-B00108", lambda el: not has_schema_location(el)),
    ),
    rule("cbc:CustomizationID"),
    rule("cbc:ProfileID"),
    rule("cbc:ID"),
    rule("cbc:IssueDate"),
    rule("cbc:IssueTime"),
    rule("cbc:Note"),
    *addressed_party(
        "cac:SenderParty",
        8,
        rule(_CONTACT),
        rule(f"{_CONTACT}/cbc:Name"),
        rule(f"{_CONTACT}/cbc:Telephone"),
        rule(f"{_CONTACT}/cbc:ElectronicMail"),
        rule(f"{_CONTACT}/*", not_in_model("PEPPOL-T111-B01601")),
    ),
    *addressed_party("cac:ReceiverParty", 20),
    rule(
        "cac:DocumentResponse",
        required("cac:Response", "PEPPOL-T111-B02801"),
        required("cac:DocumentReference", "PEPPOL-T111-B02802"),
    ),
    rule(_RESPONSE, required("cbc:ResponseCode", "PEPPOL-T111-B02901")),
    rule(f"{_RESPONSE}/cbc:ResponseCode", text_in("PEPPOL-T111-B03001", "clUNCL4343-T111")),
    rule(f"{_RESPONSE}/cbc:EffectiveDate"),
    rule(_STATUS),
    rule(
        f"{_STATUS}/cbc:StatusReasonCode",
        text_in("PEPPOL-T111-B03301", "clOPStatusReason", "clOPStatusAction"),
        attribute("listID", "PEPPOL-T111-B03302"),
        attribute_in("listID", "clClarificationListID", "PEPPOL-T111-B03303"),
    ),
    rule(f"{_STATUS}/cbc:StatusReason"),
    rule(f"{_STATUS}/cac:Condition", required("cbc:AttributeID", "PEPPOL-T111-B03601")),
    rule(f"{_STATUS}/cac:Condition/cbc:AttributeID"),
    rule(f"{_STATUS}/cac:Condition/cbc:Description"),
    rule(f"{_STATUS}/cac:Condition/*", not_in_model("PEPPOL-T111-B03602")),
    rule(f"{_STATUS}/*", not_in_model("PEPPOL-T111-B03201")),
    rule(f"{_RESPONSE}/*", not_in_model("PEPPOL-T111-B02902")),
    rule(
        _REFERENCE,
        required("cbc:ID", "PEPPOL-T111-B03901"),
        required("cbc:DocumentTypeCode", "PEPPOL-T111-B03902"),
    ),
    rule(f"{_REFERENCE}/cbc:ID"),
    rule(f"{_REFERENCE}/cbc:IssueDate"),
    rule(f"{_REFERENCE}/cbc:DocumentTypeCode", text_in("PEPPOL-T111-B04201", "clUNCL1001")),
    rule(f"{_REFERENCE}/*", not_in_model("PEPPOL-T111-B03903")),
    *named_party("cac:IssuerParty", 43),
    *named_party("cac:RecipientParty", 49),
    rule("cac:DocumentResponse/*", not_in_model("PEPPOL-T111-B02803")),
    rule("*", not_in_model("PEPPOL-T111-B00109")),
)


def _matches(steps: tuple[str, ...], path: tuple[str, ...]) -> bool:
    return len(steps) == len(path) and all(s in ("*", p) for s, p in zip(steps, path, strict=True))


#: Every rule id the table can report, in the file's order.
RULE_IDS = tuple(rule_id for r in RULES for rule_id, _ in r.asserts)


def data_model(doc: Document, report: Report) -> None:
    """Each element of the document against the first rule whose context it matches."""
    paths: dict[Element, tuple[str, ...]] = {doc.root: ()}
    for el in doc.root.iter():
        if not isinstance(el.tag, str):
            continue
        if el is not doc.root:
            paths[el] = (*paths[el.getparent()], el.tag)
        found = next((r for r in RULES if _matches(r.steps, paths[el])), None)
        for rule_id, holds in found.asserts if found else ():
            if not holds(el):
                report(rule_id, el)
