"""``cen_core``: the EN 16931 model rules of the ``UBL-model`` pattern (BR-01…BR-65,
BR-CO-*, BR-DEC-*), without the VAT-category rules (``cen_vat``, which also answers
for BR-B-*) and BR-CL-08.

Within the pattern a node is handled by the first rule whose context matches it. For the
contexts of this family the only overlaps are: a line's ``cac:InvoicePeriod`` (the line
period rule comes first, see ``lines.check_periods``) and an allowance/charge whose
indicator says both false and true (the allowance rule comes first). The VAT-category rules
of ``cen_vat`` match tax category elements only, which no rule of this family uses as its
context, and they come after every rule here, so they never take a node from us.
"""

from tasks.ehf.rules.cen_core import header, lines, parties, totals

__all__ = ["header", "lines", "parties", "totals"]
