"""The invoices behind the sample PDFs: every value extraction must find."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tasks.pdf.model import Value

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class SampleLine:
    """One invoice line; ``vat_rate`` None: the invoice's rate."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal | None = None

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(_CENT)


@dataclass(frozen=True)
class SampleInvoice:
    """The truth behind one sample PDF."""

    supplier_name: str
    supplier_orgnr: str
    buyer_name: str
    buyer_orgnr: str
    invoice_number: str
    issue_date: date
    due_date: date
    currency: str
    kid: str | None
    bank_account: str
    order_reference: str | None
    lines: tuple[SampleLine, ...]
    vat_rate: Decimal = Decimal(25)

    @property
    def net(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    def rate_of(self, line: SampleLine) -> Decimal:
        """The VAT rate of ``line``."""
        return self.vat_rate if line.vat_rate is None else line.vat_rate

    @property
    def vat(self) -> Decimal:
        """The VAT per rate, rounded to the øre, added up (as invoicing programs do)."""
        by_rate: dict[Decimal, Decimal] = {}
        for line in self.lines:
            rate = self.rate_of(line)
            by_rate[rate] = by_rate.get(rate, Decimal(0)) + line.amount
        return sum(((net * rate / 100).quantize(_CENT) for rate, net in by_rate.items()), _CENT * 0)

    @property
    def payable(self) -> Decimal:
        return self.net + self.vat

    def expected(self) -> dict[str, Value | None]:
        """What extraction must find, field by field."""
        return {
            "supplier_orgnr": self.supplier_orgnr,
            "invoice_number": self.invoice_number,
            "issue_date": self.issue_date,
            "due_date": self.due_date,
            "payable_amount": self.payable,
            "vat_amount": self.vat,
            "currency": self.currency,
            "kid": self.kid,
            "bank_account": self.bank_account,
            "order_reference": self.order_reference,
        }


_BUYER = "Fjordvik kommune"
_BUYER_ORGNR = "964965226"

CLASSIC = SampleInvoice(
    supplier_name="Nordlys Kontorrekvisita AS",
    supplier_orgnr="921012349",
    buyer_name=_BUYER,
    buyer_orgnr=_BUYER_ORGNR,
    invoice_number="2026-1043",
    issue_date=date(2026, 12, 2),
    due_date=date(2026, 12, 16),
    currency="NOK",
    kid="1234567897",
    bank_account="15031234562",
    order_reference="Kari Nordmann",
    lines=(
        SampleLine("Kopipapir A4, 5 x 500 ark", Decimal(20), Decimal("289.00")),
        SampleLine("Toner HP 89A svart", Decimal(3), Decimal("1249.50")),
        SampleLine("Levering Fjordvik rådhus", Decimal(1), Decimal("350.00")),
    ),
)

TWO_COLUMN = SampleInvoice(
    supplier_name="Vestlandsk Snikkarverkstad AS",
    supplier_orgnr="987654325",
    buyer_name="Fjordvik kommune, Teknisk eining",
    buyer_orgnr=_BUYER_ORGNR,
    invoice_number="117",
    issue_date=date(2026, 12, 2),
    due_date=date(2026, 12, 30),
    currency="NOK",
    kid="202610439",
    bank_account="12075543210",
    order_reference="Ola Dunk",
    lines=(SampleLine("Ny trapp til Fjordvik skule", Decimal(1), Decimal("48000.00")),),
)

TABLE_HEAVY = SampleInvoice(
    supplier_name="Bygg og Anlegg Fjordvik AS",
    supplier_orgnr="998877660",
    buyer_name=_BUYER,
    buyer_orgnr=_BUYER_ORGNR,
    invoice_number="F-88213",
    issue_date=date(2026, 11, 28),
    due_date=date(2026, 12, 28),
    currency="NOK",
    kid="77889900116",
    bank_account="97102001234",
    order_reference="4500123456",
    lines=tuple(
        SampleLine(description, Decimal(quantity), Decimal(price))
        for description, quantity, price in (
            ("Asfalt Ab 11, utlagt", "120", "412.50"),
            ("Kantstein granitt", "85", "689.00"),
            ("Graving, maskin m/fører", "37.5", "1150.00"),
            ("Pukk 8-16 mm", "42", "389.90"),
            ("Bortkjøring masser", "18", "1875.00"),
            ("Kumlokk 650 mm", "4", "3420.00"),
            ("Drensrør 110 mm", "160", "74.25"),
            ("Fiberduk", "300", "12.80"),
            ("Skilting og varsling", "1", "8500.00"),
            ("Prosjektledelse", "22", "1095.00"),
            ("Oppmerking vei", "240", "38.50"),
            ("Rigg og drift", "1", "15000.00"),
        )
    ),
)

MINIMAL = SampleInvoice(
    supplier_name="Hansen Rør og Varme",
    supplier_orgnr="934567897",
    buyer_name=_BUYER,
    buyer_orgnr=_BUYER_ORGNR,
    invoice_number="A-77",
    issue_date=date(2026, 12, 1),
    due_date=date(2026, 12, 15),
    currency="NOK",
    kid="00421172",
    bank_account="30001234567",
    order_reference="PO-2026-311",
    lines=(SampleLine("Utskifting av varmtvannsbereder", Decimal(1), Decimal("9600.00")),),
)

ENGLISH = SampleInvoice(
    supplier_name="Polar Data Services AS",
    supplier_orgnr="812345672",
    buyer_name=_BUYER,
    buyer_orgnr=_BUYER_ORGNR,
    invoice_number="INV-2026-0042",
    issue_date=date(2026, 12, 2),
    due_date=date(2026, 12, 16),
    currency="EUR",
    kid=None,
    bank_account="86011117947",
    order_reference="4500009876",
    lines=(
        SampleLine("Cloud backup, December", Decimal(1), Decimal("1200.00")),
        SampleLine("Support hours", Decimal("6.5"), Decimal("95.00")),
        SampleLine("Licence, monitoring agent", Decimal(12), Decimal("14.90")),
    ),
)
