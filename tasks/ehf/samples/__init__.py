"""Sample EHF documents, made rather than collected: ``generate`` builds valid Peppol BIS
Billing 3.0 invoices and credit notes from a short spec, for the demo, the tests, ``devdata/``
and the benchmark. The validator itself (``tasks.ehf``) never imports this package."""
