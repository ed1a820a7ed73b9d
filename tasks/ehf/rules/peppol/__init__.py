"""The Peppol BIS Billing 3.0 rules: PEPPOL-EN16931-* and PEPPOL-COMMON-* (release 2026.5).

- ``header``: empty elements, process/specification ids, references, tax totals, parties,
  mandates, document currency
- ``lines``: allowances/charges, line amounts, prices, line periods
- ``identifiers``: party identifiers by ISO 6523 / EAS scheme (check digits)
- ``codes``: Peppol's restricted code lists, type codes, date format, exemption categories
"""

from tasks.ehf.rules.peppol import codes, header, identifiers, lines

__all__ = ["codes", "header", "identifiers", "lines"]
