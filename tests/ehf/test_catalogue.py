"""The rule catalogue against the checks and against the official Schematron of the release."""

from __future__ import annotations

from collections import Counter, defaultdict

from lxml import etree

from tasks.ehf.registry import catalogue, checks

SCH = "{http://purl.oclc.org/dsdl/schematron}"
SPEC_FILES = ("CEN-EN16931-UBL.sch", "PEPPOL-EN16931-UBL.sch")


def _claims() -> Counter[str]:
    return Counter(rule_id for chk in checks() for rule_id in chk.rule_ids)


def test_every_catalogue_id_is_claimed_by_exactly_one_check() -> None:
    claims = _claims()
    unclaimed = sorted(set(catalogue()) - set(claims))
    twice = sorted(rule_id for rule_id, n in claims.items() if n > 1)
    assert not unclaimed, f"{len(unclaimed)} catalogue ids have no check: {unclaimed[:20]}"
    assert not twice, f"ids claimed by more than one check: {twice}"


def test_every_claimed_id_is_in_the_catalogue() -> None:
    missing = sorted(set(_claims()) - set(catalogue()))
    assert not missing, f"checks claim ids that are not in the catalogue: {missing}"


def test_every_entry_has_a_flag_and_both_messages() -> None:
    bad = [
        rule.id
        for rule in catalogue().values()
        if rule.flag not in ("fatal", "warning") or not rule.nb.strip() or not rule.en.strip()
    ]
    assert not bad, f"entries without a valid flag or without nb/en messages: {bad[:20]}"


def _spec_flags(conformance_dir) -> tuple[dict[str, str], dict[str, set[str]]]:
    flags: dict[str, set[str]] = defaultdict(set)
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for name in SPEC_FILES:
        root = etree.parse(str(conformance_dir / "spec" / name), parser).getroot()
        for node in root.iter(f"{SCH}assert"):
            flags[node.get("id")].add(node.get("flag"))
    conflicting = {rule_id: f for rule_id, f in flags.items() if len(f) != 1}
    return {rule_id: next(iter(f)) for rule_id, f in flags.items() if len(f) == 1}, conflicting


def test_catalogue_equals_the_asserts_of_the_release(conformance_dir) -> None:
    spec, conflicting = _spec_flags(conformance_dir)
    assert not conflicting, f"an id used by several asserts must have one flag: {conflicting}"
    ours = {rule_id: rule.flag for rule_id, rule in catalogue().items()}
    missing = sorted(set(spec) - set(ours))
    extra = sorted(set(ours) - set(spec))
    wrong = sorted(rule_id for rule_id in set(spec) & set(ours) if spec[rule_id] != ours[rule_id])
    assert not missing, f"{len(missing)} rule ids of the release are not catalogued: {missing[:30]}"
    assert not extra, f"catalogued ids that the release does not have: {extra}"
    assert not wrong, f"flags that differ from the release: {wrong}"
