"""Mutated copies of the official examples: the malformed, misplaced and duplicated input a
validator meets in the wild, made reproducibly from a seed.

Used by ``test_robustness.py``, and by hand to compare the verdicts of two versions of the
validator before an optimisation lands (``docs/ehf-validator.md``, "Changing the engine")::

    python -m tests.ehf.mutants OUT_DIR [COUNT] [SEED]
"""

from __future__ import annotations

import copy
import random
import sys
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from tasks.ehf.vocabulary import NS_CAC, NS_CBC

#: Attributes the rules care about (and some they forbid), with values that are right,
#: wrong, empty or padded.
ATTRIBUTES = (
    "schemeID", "listID", "currencyID", "unitCode", "mimeCode", "filename", "name",
    "schemeName", "languageID", "listAgencyID", "format",
)  # fmt: skip
VALUES = (
    "", " ", "0088", "0192", "NOK", "EUR", "SEK", "C62", "S", "E", "Z", "AE", "VAT", " VAT ",
    "130", "50", "380", "381", "30", "58", "1.234", "-1", "1e3", "2.1", "2025-02-30", "2025-01-01",
    "NO999999999MVA", "abc", "application/pdf",
)  # fmt: skip
#: Elements worth inserting where they may or may not belong.
EXTRA_TAGS = tuple(f"{{{NS_CBC}}}{name}" for name in (
    "ID", "UUID", "Note", "Name", "CompanyID", "PaymentID", "Amount", "TaxAmount", "Percent",
    "ChargeIndicator", "AllowanceChargeReasonCode", "IssueDate", "LineExtensionAmount",
)) + tuple(f"{{{NS_CAC}}}{name}" for name in (
    "TaxScheme", "PartyTaxScheme", "TaxCategory", "AllowanceCharge", "Price", "InvoicePeriod",
    "PayeeParty", "FinancialInstitution",
))  # fmt: skip


def _elements(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter() if isinstance(el.tag, str)]


def mutate(root: etree._Element, rng: random.Random, donors: list[etree._Element]) -> None:
    """Apply one to five random edits to ``root`` in place."""
    for _ in range(rng.randint(1, 5)):
        els = _elements(root)
        el = rng.choice(els)
        move = rng.random()
        if move < 0.2:
            el.set(rng.choice(ATTRIBUTES), rng.choice(VALUES))
        elif move < 0.35 and el is not root:
            el.addnext(copy.deepcopy(el))  # a second occurrence
        elif move < 0.5 and el is not root:
            el.getparent().remove(el)
        elif move < 0.7 and len(el) == 0:
            el.text = rng.choice(VALUES)
        elif move < 0.85:
            extra = etree.SubElement(el, rng.choice(EXTRA_TAGS))
            extra.text = rng.choice(VALUES)
        else:  # an element from another document, somewhere it may not belong
            donor = rng.choice(_elements(rng.choice(donors)))
            if donor.getparent() is not None:
                el.append(copy.deepcopy(donor))


def mutants(examples: Path, count: int, seed: int = 2026) -> Iterator[tuple[str, bytes]]:
    """``count`` (name, bytes) mutants of the XML files in ``examples``, the same for a seed."""
    sources = [
        (path.stem, etree.fromstring(path.read_bytes()))
        for path in sorted(examples.iterdir())
        if path.suffix.lower() == ".xml" and path.stat().st_size < 1_000_000  # no 3 MB PDFs
    ]
    donors = [root for _, root in sources]
    rng = random.Random(seed)
    for n in range(count):
        stem, source = rng.choice(sources)
        root = copy.deepcopy(source)
        mutate(root, rng, donors)
        yield f"{n:05d}-{stem}.xml", etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def main(argv: list[str]) -> None:
    """Write mutants to a folder: ``OUT_DIR [COUNT] [SEED]``."""
    out = Path(argv[0])
    count = int(argv[1]) if len(argv) > 1 else 2000
    seed = int(argv[2]) if len(argv) > 2 else 2026
    examples = Path(__file__).resolve().parents[3] / "shared" / "ehf-conformance" / "examples"
    out.mkdir(parents=True, exist_ok=True)
    for name, data in mutants(examples, count, seed):
        (out / name).write_bytes(data)
    print(f"{count} mutants of {examples} in {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
