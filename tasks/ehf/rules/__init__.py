"""The EHF rule families. Importing this package registers every check.

- ``ubl_syntax``: UBL-CR (elements not used in EN 16931), UBL-SR (cardinality), UBL-DT (data types)
- ``cen_core``: BR-01…BR-66, BR-CO-*, BR-DEC-* (the EN 16931 model)
- ``cen_vat``: BR-S/Z/E/AE/K/G/O/L/M/IC/AF/AG/B-* (VAT categories)
- ``cen_codes``: BR-CL-* (code lists)
- ``peppol``: PEPPOL-EN16931-*, PEPPOL-COMMON-*
- ``national``: NO-R, DK-R, SE-R, IT-R, GR-R, NL-R, DE-R…
"""

import importlib

FAMILIES = ("ubl_syntax", "cen_core", "cen_vat", "cen_codes", "peppol", "national")

for _family in FAMILIES:
    try:
        importlib.import_module(f"{__name__}.{_family}")
    except ModuleNotFoundError as exc:  # a family still being written
        if exc.name != f"{__name__}.{_family}":
            raise
