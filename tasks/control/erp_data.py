"""What control asks the ERP about an invoice, and about a batch of them beforehand.

``needs(invoices)`` is what ``MasterDataCache.begin_batch`` loads for a batch (one bulk
request per kind); ``master_data(erp, invoice)`` then looks one invoice up, answered from
that batch. Kept side by side so that what is prefetched is what is looked up.
"""

from __future__ import annotations

from collections.abc import Iterable

from connectors.erp import Erp
from connectors.erp.cache import BatchNeeds
from tasks.control.checks import MasterData
from tasks.ehf.model import Invoice
from tasks.erp_access import erp_call


def needs(invoices: Iterable[Invoice]) -> BatchNeeds:
    """The buyers, suppliers and suppliers' agreements ``master_data`` looks up."""
    wanted = BatchNeeds()
    for invoice in invoices:
        if invoice.buyer.orgnr:
            wanted.tenants.add(invoice.buyer.orgnr)
        if invoice.supplier.orgnr:
            wanted.suppliers.add(invoice.supplier.orgnr)
            wanted.agreements.add(invoice.supplier.orgnr)
    return wanted


def master_data(erp: Erp, invoice: Invoice) -> MasterData:
    """The buyer (tenant), the supplier and, for a known supplier, its framework agreements;
    ``ERP-UNAVAILABLE`` / ``ERP-ERROR`` as a ``SystemException``."""
    buyer, supplier = invoice.buyer.orgnr, invoice.supplier.orgnr
    tenant = erp_call(lambda: erp.tenant(buyer)) if buyer else None
    found = erp_call(lambda: erp.supplier(supplier)) if supplier else None
    agreements = erp_call(lambda: erp.agreements(supplier)) if found and supplier else []
    return MasterData(tenant, found, tuple(agreements))
