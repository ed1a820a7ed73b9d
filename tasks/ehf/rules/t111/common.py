"""The PEPPOL-COMMON rules of PEPPOLBIS-T111.sch: empty elements (R001), schema location
(R003), date format (R030) and party identifiers by scheme (R040…R057).

The identifier rules are word for word those of the billing rules, so the billing family's
check answers for them here too.
"""

from __future__ import annotations

from tasks.ehf.document import Document, tree_scan
from tasks.ehf.registry import Report
from tasks.ehf.vocabulary import cbc
from tasks.ehf.xpathfn import Element, string_value, xs_date

_DATES = tuple(
    cbc(name)
    for name in (
        "IssueDate",
        "DueDate",
        "TaxPointDate",
        "StartDate",
        "EndDate",
        "ActualDeliveryDate",
    )
)


def has_schema_location(el: Element) -> bool:
    """``@*:schemaLocation``: an attribute of that local name, in any namespace or none."""
    return any(name.rpartition("}")[2] == "schemaLocation" for name in el.attrib)


def empty_elements(doc: Document, report: Report) -> None:
    """PEPPOL-COMMON-R001: ``//*[not(*) and not(normalize-space())]``."""
    for el in tree_scan(doc).empty:
        report("PEPPOL-COMMON-R001", el)


def schema_location(doc: Document, report: Report) -> None:
    """PEPPOL-COMMON-R003 (a warning): the root names no schema location."""
    if has_schema_location(doc.root):
        report("PEPPOL-COMMON-R003", doc.root)


def dates(doc: Document, report: Report) -> None:
    """PEPPOL-COMMON-R030: ``(string(.) castable as xs:date) and (string-length(.) = 10)``."""
    for tag in _DATES:
        for el in doc.all(tag):
            value = string_value(el)
            if len(value) != 10 or xs_date(value) is None:
                report("PEPPOL-COMMON-R030", el, value=value)
