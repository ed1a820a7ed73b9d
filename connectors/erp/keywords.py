"""Robot Framework keywords over the ERP connector, in the accountant's words.

Usage in a suite::

    Library    connectors.erp.keywords.ErpKeywords    base_url=${ERP_URL}

    ${leverandør}=    Hent leverandør    123456785
    ${bestilling}=    Hent bestilling    123
    ${bilag}=         Bokfør faktura    ${voucher}

Every keyword has an English name too (``Get Supplier``, ``Get Purchase Order``,
``Post Invoice`` …). Lookups return ``None`` when the ERP has nothing; ERP faults fail the
keyword with an :class:`ErpError` whose ``code`` is ``ERP-UNAVAILABLE`` or ``ERP-ERROR``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from robot.api.deco import keyword, library

from connectors.erp.base import (
    Agreement,
    Approver,
    GoodsReceipt,
    PurchaseOrder,
    Supplier,
    Tenant,
    Voucher,
)
from connectors.erp.mapping import from_json
from connectors.erp.rest import RestErp


def _english(name: str, norwegian: Callable[..., Any]) -> Callable[..., Any]:
    """The same keyword under an English name."""

    @functools.wraps(norwegian)
    def alias(self: ErpKeywords, *args: Any, **kwargs: Any) -> Any:
        return norwegian(self, *args, **kwargs)

    return keyword(name)(alias)


@library(scope="GLOBAL", auto_keywords=False)
class ErpKeywords:
    """Keywords for looking up master data in the ERP and posting invoices to it.

    ``base_url``, ``timeout`` and ``retries`` default to the environment
    (``KOMMUNERPA_ERP_URL`` …, see ``connectors.erp.rest``). One connection pool is shared
    by the whole run.
    """

    def __init__(
        self, base_url: str | None = None, timeout: float | None = None, retries: int | None = None
    ):
        self._settings = {"timeout": timeout, "retries": retries}
        self._base_url = base_url
        self._erp: RestErp | None = None

    @property
    def erp(self) -> RestErp:
        """The connector, created on first use (importing the library never touches the net)."""
        if self._erp is None:
            self._erp = RestErp(self._base_url, **self._settings)
        return self._erp

    @keyword("Hent oppdragsgiver")
    def get_tenant(self, orgnr: str) -> Tenant | None:
        """Returns the tenant (kommune/virksomhet) with organisation number ``orgnr``, or None."""
        return self.erp.tenant(orgnr)

    @keyword("Hent leverandør")
    def get_supplier(self, orgnr: str) -> Supplier | None:
        """Returns the supplier registered under ``orgnr``, or None."""
        return self.erp.supplier(orgnr)

    @keyword("Hent bestilling")
    def get_purchase_order(self, po_id: str) -> PurchaseOrder | None:
        """Returns purchase order ``po_id`` with its lines, or None."""
        return self.erp.purchase_order(po_id)

    @keyword("Hent varemottak")
    def get_goods_receipts(self, po_id: str) -> list[GoodsReceipt]:
        """Returns the goods receipts registered against order ``po_id`` (may be empty)."""
        return self.erp.goods_receipts(po_id)

    @keyword("Hent rammeavtaler")
    def get_agreements(self, supplier_orgnr: str) -> list[Agreement]:
        """Returns the supplier's framework agreements (rammeavtaler)."""
        return self.erp.agreements(supplier_orgnr)

    @keyword("Hent attestant")
    def get_approver(self, tenant: str, reference: str) -> Approver | None:
        """Returns who approves the tenant's invoices with buyer reference ``reference``."""
        return self.erp.approver(tenant, reference)

    @keyword("Hent bokførte fakturaer")
    def get_posted_invoices(
        self,
        supplier_orgnr: str | None = None,
        invoice_number: str | None = None,
        po_id: str | None = None,
    ) -> list[Voucher]:
        """Returns the posted vouchers matching every filter given."""
        return self.erp.posted_invoices(
            supplier_orgnr=supplier_orgnr, invoice_number=invoice_number, po_id=po_id
        )

    @keyword("Bokfør faktura")
    def post_invoice(self, voucher: Voucher | dict[str, Any]) -> Voucher:
        """Posts a voucher (a ``Voucher`` or its JSON form as a dictionary) and returns it with
        the ERP's ``voucher_id``. Posting the same idempotency key again returns the first
        voucher: a robot run again after a crash never posts twice."""
        if isinstance(voucher, dict):
            voucher = from_json(Voucher, voucher)
        return self.erp.post_voucher(voucher)

    get_tenant_en = _english("Get Tenant", get_tenant)
    get_supplier_en = _english("Get Supplier", get_supplier)
    get_purchase_order_en = _english("Get Purchase Order", get_purchase_order)
    get_goods_receipts_en = _english("Get Goods Receipts", get_goods_receipts)
    get_agreements_en = _english("Get Agreements", get_agreements)
    get_approver_en = _english("Get Approver", get_approver)
    get_posted_invoices_en = _english("Get Posted Invoices", get_posted_invoices)
    post_invoice_en = _english("Post Invoice", post_invoice)
