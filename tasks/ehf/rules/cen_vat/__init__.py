"""BR-S/Z/E/AE/K(IC)/G/O/L(AF)/M(AG)/B-*: the rules of each VAT category.

The categories are standard rate (S), zero rate (Z), exempt (E), reverse charge (AE),
intra-community supply (K, rules BR-IC), export (G), not subject to VAT (O), Canary
Islands IGIC (L, rules BR-AF), Ceuta/Melilla IPSI (M, rules BR-AG) and Italian split
payment (B). Each category has the same four kinds of rule:

- document level (context ``/ubl:Invoice``): the category in lines/allowances/charges
  needs a breakdown for it (-01), and the parties need (or must not have) VAT ids (-02..-04);
- the breakdown (``/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory``): its taxable amount
  adds up (-08), its VAT amount is right (-09), exemption reason present or absent (-10);
- the rate on document allowances (-06), charges (-07) and lines (-05).

The official rules are close to but not quite uniform across categories (whether the VAT
scheme is checked, raw vs. trimmed category codes, ``= 1`` vs ``> 0``, which party ids
count), so the tables below name those differences explicitly, row by row.

Every category element is looked at once per document (``scan``); the rules then work on
that small list.
"""

from tasks.ehf.document import Document
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.cen_vat.category_rules import CATEGORY_RULE_IDS, category_findings
from tasks.ehf.rules.cen_vat.document_rules import DOCUMENT_RULE_IDS, document_findings
from tasks.ehf.rules.cen_vat.model import VatView
from tasks.ehf.vocabulary import CLASSIFIED_TAX_CATEGORY, TAX_CATEGORY


@check(*DOCUMENT_RULE_IDS, *CATEGORY_RULE_IDS)
def vat_category_rules(doc: Document, report: Report) -> None:
    """Every VAT category rule, over one shared scan of the document's category elements."""
    if not (doc.has(TAX_CATEGORY) or doc.has(CLASSIFIED_TAX_CATEGORY)):
        return  # no rule of a category can fail where no category is used
    view = VatView(doc)
    if doc.kind is not None:  # the document-level rules' context is /ubl:Invoice | /cn:CreditNote
        document_findings(view, report)
    category_findings(view, report)
