"""National rules of the Peppol BIS Billing 3.0 release: one module per country.

Each fires by the seller's (and sometimes the buyer's) country, derived exactly as the
Peppol rule file derives it (see ``_common``). Importing this package registers them."""

from tasks.ehf.rules.national import de, dk, gr, is_, it, nl, no, se

__all__ = ["de", "dk", "gr", "is_", "it", "nl", "no", "se"]
