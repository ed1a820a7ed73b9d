"""The EHF rule families. Importing this package registers every check.

- ``ubl_syntax``: UBL-CR (elements not used in EN 16931), UBL-SR (cardinality), UBL-DT (data types)
- ``cen_core``: BR-01…BR-65, BR-CO-*, BR-DEC-* (the EN 16931 model)
- ``cen_vat``: BR-S/Z/E/AE/IC/G/O/AF/AG-* and BR-B-* (VAT categories, split payment)
- ``cen_codes``: BR-CL-* (code lists)
- ``peppol``: PEPPOL-EN16931-*, PEPPOL-COMMON-*
- ``national``: NO-R, DK-R, SE-R, IT-R, GR-R/S, NL-R, DE-R, IS-R

The rules name their elements with ``tasks.ehf.vocabulary`` and read them with the XPath steps
and functions of ``tasks.ehf.xpathfn``. What several families read is derived once per
document and shared: ``currencies`` (amounts by currency), ``lines_model`` (the lines).
"""

from tasks.ehf.rules import cen_codes, cen_core, cen_vat, national, peppol, ubl_syntax

__all__ = ["cen_codes", "cen_core", "cen_vat", "national", "peppol", "ubl_syntax"]
