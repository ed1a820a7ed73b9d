"""A voucher for the demo data: ehf-3-faktura-1.xml (TOSL108) posted against order 123."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from connectors.erp.base import Voucher, VoucherLine

DIMS = {"ansvar": "3150", "tjeneste": "1200"}

TOSL108 = Voucher(
    idempotency_key="invoice-TOSL108",
    tenant="987654325",
    supplier_orgnr="123456785",
    invoice_number="TOSL108",
    document_type="Invoice",
    issue_date=date(2013, 6, 30),
    due_date=date(2013, 7, 20),
    currency="NOK",
    amount_excl_vat=Decimal("1436.50"),
    vat_amount=Decimal("365.28"),
    payable_amount=Decimal("1801.78"),
    lines=(
        VoucherLine(
            "12000",
            Decimal("1273.00"),
            Decimal("25"),
            Decimal("318.25"),
            {**DIMS, "prosjekt": "P-2013-IT"},
            "Laptop computer",
            "123",
            "1",
            Decimal("1"),
        ),
        VoucherLine(
            "10500",
            Decimal("-3.96"),
            Decimal("15"),
            Decimal("-0.59"),
            DIMS,
            "Returned book",
            "123",
            "5",
            Decimal("-1"),
        ),
        VoucherLine(
            "10500",
            Decimal("4.96"),
            Decimal("15"),
            Decimal("0.74"),
            DIMS,
            "Computing for dummies",
            "123",
            "3",
            Decimal("2"),
        ),
        VoucherLine(
            "12000",
            Decimal("-25.00"),
            Decimal("0"),
            Decimal("0"),
            DIMS,
            "Returned desktop",
            "123",
            "2",
            Decimal("-1"),
        ),
        VoucherLine(
            "11500",
            Decimal("187.50"),
            Decimal("25"),
            Decimal("46.88"),
            {**DIMS, "prosjekt": "P-2013-IT"},
            "Network cable",
            "123",
            "4",
            Decimal("250"),
        ),
    ),
    kid="0003434323213231",
    bank_account="86011117947",
    source_invoice_id="inv-0001",
)


def voucher(key: str, **changes: object) -> Voucher:
    """TOSL108 under another idempotency key (and other changes)."""
    return replace(TOSL108, idempotency_key=key, **changes)
