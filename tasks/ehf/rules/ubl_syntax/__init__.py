"""UBL syntax rules of EN 16931 (pattern ``UBL-syntax`` of the CEN Schematron).

- ``restrictions``: UBL-CR (elements and attributes not used in EN 16931) and the UBL-DT
  attribute rules, evaluated from the catalogue tables in one pass over the document;
- ``cardinality``: UBL-SR (how often an element may occur), table-driven plus a few functions;
- ``datatypes``: UBL-DT-01/06/07 (amount decimals, binary object attributes).

The Schematron pattern hands each node to the first rule whose context matches it. The
contexts of this pattern name distinct elements, except the two allowance/charge rules, which
``cardinality`` orders explicitly.
"""

from tasks.ehf.rules.ubl_syntax import cardinality, datatypes, restrictions

__all__ = ["cardinality", "datatypes", "restrictions"]
