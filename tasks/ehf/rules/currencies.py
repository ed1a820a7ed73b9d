"""The amounts of a document grouped by their currency, shared by the currency rules of
EN 16931 (BR-CL-03, in ``cen_codes``) and of Peppol (PEPPOL-EN16931-CL007/R051, in
``peppol.codes``): both read the ``currencyID`` of every amount element, so one pass reads
it for both, and a document in one currency leaves each rule one code to look up."""

from __future__ import annotations

from tasks.ehf.document import Document, Element
from tasks.ehf.vocabulary import AMOUNTS


def amounts_by_currency(doc: Document) -> dict[str | None, list[Element]]:
    """Every amount element of ``doc`` by its ``currencyID`` (None for an amount without
    one), built once per document. Callers must not change the lists."""
    return doc.derived("currencies.amounts", _group)


def _group(doc: Document) -> dict[str | None, list[Element]]:
    groups: dict[str | None, list[Element]] = {}
    for tag in AMOUNTS:
        for el in doc.all(tag):
            currency = el.get("currencyID")
            found = groups.get(currency)
            if found is None:
                groups[currency] = [el]
            else:
                found.append(el)
    return groups
