"""Peppol Invoice Response (BIS 3, transaction T111): the rules of PEPPOLBIS-T111.sch, release
2026.5, for UBL ApplicationResponse documents.

- ``common``: PEPPOL-COMMON-R001/R003/R030 (the identifier rules R040…R057 are the billing
  family's own check, word for word the same rules)
- ``structure``: PEPPOL-T111-B* (the data model: required elements, code lists, nothing else)
- ``response``: PEPPOL-T111-R001…R008 (status and clarification codes, identifiers)
- ``engine``: the table of checks and ``evaluate``; ``data``: catalogue and code lists
  (``ehf_schemas/t111/``)

Self-contained: nothing here registers with the billing registry.
"""

from tasks.ehf.rules.t111.engine import evaluate

__all__ = ["evaluate"]
