"""The words invoices print before their values, in bokmål, nynorsk and English.

Each label names the field it introduces and how much it says (its weight: "Fakturanummer"
says more than "Dato"). *Stop labels* introduce values no field wants ("Vår ref",
"Sum eks. mva", "Telefon"); they are recognised only so that a value ends where they begin.
All patterns are matched case-insensitively, on word boundaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Shared pieces of the patterns.
_NR = r"(?:nummer|nr\.?|no\.?|number|#)"
_VAT = r"(?:mva|meirverdiavgift|merverdiavgift|vat|moms)"


@dataclass(frozen=True)
class Label:
    """A label pattern, the field it introduces (None for a stop label) and its weight."""

    field: str | None
    pattern: re.Pattern[str]
    weight: float
    below: bool = True  # may the value stand under the label (a header box)?


def _label(field: str | None, pattern: str, weight: float = 1.0, below: bool = True) -> Label:
    # Digits just before are no label start: "912 345 678 MVA" is an organisation number.
    wrapped = rf"(?<!\d )(?<!\d)(?<!\w)(?:{pattern})(?!\w)"
    return Label(field, re.compile(wrapped, re.IGNORECASE), weight, below)


LABELS: tuple[Label, ...] = (
    # supplier_orgnr
    _label("supplier_orgnr", rf"org(?:anisasjons)?\.?\s*-?\s*{_NR}", 0.85),
    _label("supplier_orgnr", r"foretaksregisteret", 0.9),
    _label("supplier_orgnr", rf"organi[sz]ation\s+{_NR}", 0.85),
    _label("supplier_orgnr", rf"company\s+(?:reg(?:istration|\.)?\s+)?{_NR}", 0.8),
    _label("supplier_orgnr", rf"(?:{_VAT}|vat\s+reg(?:istration|\.)?)\s*-?\s*{_NR}", 0.8),
    # invoice_number
    _label("invoice_number", rf"faktura\s*-?\s*{_NR}", 0.95),
    _label("invoice_number", rf"invoice\s*{_NR}", 0.95),
    # issue_date
    _label("issue_date", r"faktura\s*-?\s*dato|invoice\s+date", 0.95),
    _label("issue_date", r"issue\s+date|date\s+of\s+issue|utstedt|utferda", 0.9),
    _label("issue_date", r"dato|date", 0.6),
    # due_date
    _label("due_date", r"forfalls\s*-?\s*(?:dato|dag)|due\s+date|payment\s+due(?:\s+date)?", 0.95),
    _label("due_date", r"forfall|betalingsfrist|siste\s+betalingsdag|betal(?:es)?\s+innan?", 0.85),
    _label("due_date", r"due", 0.6),
    # payable_amount
    _label("payable_amount", r"(?:(?:sum|totalt?|beløp)\s+)?å\s+betal[ae]", 0.95),
    _label(
        "payable_amount", r"(?:total\s+)?amount\s+(?:due|payable)|total\s+(?:due|payable)", 0.95
    ),
    _label("payable_amount", r"balance\s+due", 0.9),
    _label(
        "payable_amount",
        rf"(?:totalt?|sum)\s*(?:inkl|inklusive|medrekna|incl|including)\.?\s+{_VAT}",
        0.85,
    ),
    _label("payable_amount", r"fakturabeløp|totalbeløp|invoice\s+total", 0.8),
    _label("payable_amount", r"totalt?", 0.5, below=False),
    # vat_amount
    _label(
        "vat_amount", rf"(?:(?:sum|herav|total|totalt)\s+)?{_VAT}(?:\s*-?\s*beløp|\s+amount)?", 0.9
    ),
    # currency
    _label("currency", r"valuta|currency", 0.95),
    # kid
    _label("kid", rf"kid(?:\s*-?\s*{_NR})?|kundeidentifikasjon(?:\s*\(kid\))?", 0.95),
    _label("kid", r"(?:betalings|payment)\s*-?\s*ref(?:eranse|erence)?\.?", 0.7),
    # bank_account
    _label("bank_account", rf"(?:bank\s*)?konto\s*-?\s*{_NR}?|iban", 0.9),
    _label("bank_account", rf"(?:bank\s+)?account(?:\s+{_NR})?", 0.85),
    _label("bank_account", r"bank", 0.5),
    # order_reference
    _label("order_reference", rf"(?:bestillings?|tingings?|innkjøps(?:ordre)?)\s*-?\s*{_NR}", 0.9),
    _label("order_reference", rf"innkjøpsordre|(?:po|purchase\s+order)\s*{_NR}", 0.9),
    _label("order_reference", r"purchase\s+order|(?:deres|dykkar)\s+(?:bestilling|tinging)", 0.85),
    _label("order_reference", r"(?:deres|dykkar|your)\s+ref(?:eranse|erence)?\.?", 0.8),
    _label("order_reference", rf"order\s+(?:ref(?:erence)?\.?|{_NR})", 0.8),
    _label("order_reference", rf"ordre\s*-?\s*(?:referanse|{_NR})", 0.6),
    # Stop labels: values nobody wants here, so that a wanted value ends before them.
    _label(None, r"(?:vår|our)\s+(?:ref(?:eranse|erence)?\.?|kontakt|contact|ordre)"),
    _label(None, rf"kunde\s*-?\s*{_NR}|customer\s+(?:{_NR}|id)"),
    _label(None, rf"(?:deres|dykkar|kundens|your|buyer'?s?)\s+org(?:anisasjons)?\.?\s*-?\s*{_NR}"),
    _label(
        None,
        rf"(?:(?:sum|totalt?|beløp)\s+)?(?:eks|ekskl|eksl|excl|excluding|utan|uten|ex)\.?\s+{_VAT}",
    ),
    _label(None, rf"(?:inkl|inklusive|incl|including|medrekna)\.?\s+{_VAT}"),
    _label(None, rf"{_VAT}\s*-?\s*(?:grunnlag|sats|rate|%)|grunnlag(?:\s+for)?\s+{_VAT}"),
    _label(None, r"(?:vat|tax)able\s+amount|vat\s+base|netto(?:beløp)?|subtotal|net\s+amount"),
    _label(
        None,
        r"(?:leverings?|leveranse|delivery|order|ordre|bestillings?|tingings?)\s*-?\s*(?:dato|date)",
    ),
    _label(None, r"telefon|tlf\.?|phone|tel\.?|e-?post|e-?mail|nettside|web|swift|bic"),
    _label(None, r"betalingsbetingelser|betalingsvilkår|payment\s+terms|terms"),
    _label(None, r"(?:side|page)\s+\d+(?:\s*(?:av|of|/)\s*\d+)?"),
)

#: Words heading a buyer's block: an organisation number there is not the supplier's.
BUYER_HEADING = re.compile(
    r"(?<!\w)(?:kunde|customer|kjøpar|kjøper|buyer|bill\s+to|invoice\s+to|faktureres\s+til|"
    r"fakturamottakar|fakturamottaker|mottakar|mottaker|leveringsadresse|delivery\s+address|"
    r"sold\s+to)(?!\w)",
    re.IGNORECASE,
)
