"""Peppol Invoice Response (BIS 3, T111): what the municipality tells the supplier about an
invoice. ``build`` writes the UBL ApplicationResponse; ``mapping`` says which answer each
event and exception code gets, per tenant. The orchestrator side (the outbox, the scanning
pass) is ``orchestrator.responses``."""
