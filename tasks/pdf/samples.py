"""A corpus of invoice PDFs in several layouts and label languages, made with fpdf2.

Each readable sample is an invoice (:class:`SampleInvoice`) drawn by one layout function,
so the tests know every value the extraction must find. The unreadable samples cover a scan
(an image, no text layer), a password-protected PDF, a damaged PDF and a file that is no
PDF. Output is deterministic: fixed creation date and content-derived file identifiers.

``python -m tasks.pdf.samples FOLDER`` writes the corpus into FOLDER.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

from tasks.pdf.model import Value

_CREATED = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
_CENT = Decimal("0.01")
_MONTHS_NB = (
    "januar", "februar", "mars", "april", "mai", "juni",
    "juli", "august", "september", "oktober", "november", "desember",
)  # fmt: skip
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class SampleLine:
    """One invoice line."""

    description: str
    quantity: Decimal
    unit_price: Decimal

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

    @property
    def vat(self) -> Decimal:
        return (self.net * self.vat_rate / 100).quantize(_CENT)

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


# --- Number and date formats -----------------------------------------------------------


def _grouped(value: Decimal, group: str, decimal: str) -> str:
    whole, frac = f"{value:.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{group.join(groups)}{decimal}{frac}"


def nok_spaces(value: Decimal) -> str:
    """``12 500,00``"""
    return _grouped(value, " ", ",")


def nok_dots(value: Decimal) -> str:
    """``12.500,00``"""
    return _grouped(value, ".", ",")


def kroner_dash(value: Decimal) -> str:
    """``kr 12 500,-`` for whole kroner, ``kr 12 500,50`` otherwise."""
    text = nok_spaces(value)
    return f"kr {text[:-3]},-" if text.endswith(",00") else f"kr {text}"


def english(value: Decimal) -> str:
    """``12,500.00``"""
    return _grouped(value, ",", ".")


def dotted(day: date) -> str:
    """``02.12.2026``"""
    return day.strftime("%d.%m.%Y")


def long_nb(day: date) -> str:
    """``2. desember 2026``"""
    return f"{day.day}. {_MONTHS_NB[day.month - 1]} {day.year}"


def long_en(day: date) -> str:
    """``2 December 2026``"""
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def us_style(day: date) -> str:
    """``December 16, 2026``"""
    return f"{_MONTHS_EN[day.month - 1]} {day.day}, {day.year}"


def spaced_orgnr(digits: str) -> str:
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def dotted_account(digits: str) -> str:
    return f"{digits[:4]}.{digits[4:6]}.{digits[6:]}"


# --- Drawing helpers -------------------------------------------------------------------


class _Pdf(FPDF):
    """A4 in millimetres, Helvetica, a fixed creation date: the same bytes on every run."""

    def __init__(self) -> None:
        super().__init__(format="A4")
        self.set_creation_date(_CREATED)
        self.set_auto_page_break(auto=True, margin=15)
        self.add_page()
        self.set_font("Helvetica", size=10)

    def at(self, x: float, y: float, text: str, size: float = 10, style: str = "") -> None:
        self.set_font("Helvetica", style=style, size=size)
        self.text(x, y, text)

    def right(self, x1: float, y: float, text: str, size: float = 10, style: str = "") -> None:
        """``text`` ending at ``x1`` (numbers are printed right-aligned)."""
        self.set_font("Helvetica", style=style, size=size)
        self.text(x1 - self.get_string_width(text), y, text)


def _table(
    pdf: _Pdf,
    y: float,
    headers: tuple[str, ...],
    widths: tuple[float, ...],
    rows: list[tuple[str, ...]],
    ruled: bool,
    x: float = 15,
) -> float:
    """A table whose first column is left-aligned and others right-aligned; returns its end."""
    pdf.set_xy(x, y)
    border = 1 if ruled else 0
    for row_number, row in enumerate([headers, *rows]):
        pdf.set_font("Helvetica", style="B" if row_number == 0 else "", size=9)
        for i, (cell, width) in enumerate(zip(row, widths, strict=True)):
            pdf.cell(width, 6, cell, border=border, align="L" if i == 0 else "R")
        pdf.ln(6)
        pdf.set_x(x)
    return pdf.get_y()


def _output(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


# --- The invoices ----------------------------------------------------------------------

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


# --- The layouts -----------------------------------------------------------------------


def classic(inv: SampleInvoice) -> bytes:
    """Bokmål: a header box with labels over values, a ruled line table, totals, payment."""
    pdf = _Pdf()
    pdf.at(15, 20, inv.supplier_name, size=16, style="B")
    pdf.at(15, 26, "Storgata 12, 9008 Tromsø")
    pdf.at(15, 31, f"Foretaksregisteret NO {spaced_orgnr(inv.supplier_orgnr)} MVA")
    pdf.at(150, 20, "FAKTURA", size=18, style="B")
    pdf.at(15, 48, "Faktureres til:", style="B")
    pdf.at(15, 54, inv.buyer_name)
    pdf.at(15, 59, "Postboks 100, 9990 Fjordvik")
    pdf.at(15, 64, f"Org.nr. {spaced_orgnr(inv.buyer_orgnr)}")
    # The header box: three labels over three values, twice.
    pdf.rect(110, 42, 85, 30)
    boxes = (
        (("Fakturanr.", inv.invoice_number), ("Fakturadato", dotted(inv.issue_date))),
        (("Forfallsdato", dotted(inv.due_date)), ("Deres ref.", inv.order_reference or "")),
    )
    for row, pairs in enumerate(boxes):
        for col, (label, value) in enumerate(pairs):
            x, y = 113 + col * 42, 48 + row * 14
            pdf.at(x, y, label, size=8, style="B")
            pdf.at(x, y + 5, value)
    end = _table(
        pdf,
        85,
        ("Beskrivelse", "Antall", "Enhetspris", "Beløp"),
        (95, 20, 30, 35),
        [
            (line.description, str(line.quantity), nok_spaces(line.unit_price),
             nok_spaces(line.amount))
            for line in inv.lines
        ],
        ruled=True,
    )  # fmt: skip
    totals = (
        ("Sum eks. mva", nok_spaces(inv.net)),
        (f"Mva {inv.vat_rate} %", nok_spaces(inv.vat)),
        ("Å betale NOK", nok_spaces(inv.payable)),
    )
    for i, (label, value) in enumerate(totals):
        pdf.at(130, end + 8 + i * 6, label, style="B" if i == 2 else "")
        pdf.right(195, end + 8 + i * 6, value, style="B" if i == 2 else "")
    y = end + 35
    pdf.at(15, y, f"Kontonummer: {dotted_account(inv.bank_account)}")
    pdf.at(15, y + 6, f"KID: {inv.kid}")
    pdf.at(15, y + 12, "Betalingsbetingelser: 14 dager netto. Telefon 77 60 00 00")
    return _output(pdf)


def two_column(inv: SampleInvoice) -> bytes:
    """Nynorsk: seller and buyer on the left, the invoice facts on the right, no table."""
    pdf = _Pdf()
    pdf.at(15, 20, "FAKTURA", size=18, style="B")
    left = (
        ("Seljar", "B"),
        (inv.supplier_name, ""),
        ("Verkstadvegen 3, 6900 Florø", ""),
        (f"Org.nr.: {spaced_orgnr(inv.supplier_orgnr)} MVA", ""),
        ("", ""),
        ("Kjøpar", "B"),
        (inv.buyer_name, ""),
        ("Rådhusplassen 1, 9990 Fjordvik", ""),
        (f"Org.nr.: {spaced_orgnr(inv.buyer_orgnr)}", ""),
    )
    for i, (text, style) in enumerate(left):
        pdf.at(15, 35 + i * 6, text, style=style)
    right = (
        ("Fakturanummer:", inv.invoice_number),
        ("Fakturadato:", long_nb(inv.issue_date)),
        ("Forfallsdag:", long_nb(inv.due_date)),
        ("Dykkar ref.:", inv.order_reference or ""),
        ("Kontonummer:", f"{inv.bank_account[:4]} {inv.bank_account[4:6]} {inv.bank_account[6:]}"),
        ("KID:", inv.kid or ""),
        ("Valuta:", inv.currency),
    )
    for i, (label, value) in enumerate(right):
        pdf.at(120, 35 + i * 6, label)
        pdf.at(155, 35 + i * 6, value)
    y = 100
    pdf.at(15, y, "Arbeid", style="B")
    pdf.at(15, y + 6, inv.lines[0].description)
    pdf.at(120, y + 12, "Sum utan mva:")
    pdf.right(195, y + 12, kroner_dash(inv.net))
    pdf.at(120, y + 18, "Meirverdiavgift:")
    pdf.right(195, y + 18, kroner_dash(inv.vat))
    pdf.at(120, y + 24, "Å betala:", style="B")
    pdf.right(195, y + 24, kroner_dash(inv.payable), style="B")
    return _output(pdf)


def table_heavy(inv: SampleInvoice) -> bytes:
    """Bokmål: labels with their values far to the right, ISO dates, a long ruled table with
    unit and VAT columns, "1.234,50" amounts, and a giro strip with labels over values."""
    pdf = _Pdf()
    pdf.at(15, 18, inv.supplier_name, size=14, style="B")
    pdf.at(15, 24, f"Org nr {inv.supplier_orgnr} MVA  -  Industriveien 40, 9990 Fjordvik")
    facts = (
        ("Fakturanummer", inv.invoice_number),
        ("Fakturadato", inv.issue_date.isoformat()),
        ("Forfallsdato", inv.due_date.isoformat()),
        ("Bestillingsnr.", inv.order_reference or ""),
        ("Kundenr.", "10023456789"),
        ("Valuta", inv.currency),
    )
    for i, (label, value) in enumerate(facts):
        pdf.at(120, 36 + i * 5, label, size=9)
        pdf.right(195, 36 + i * 5, value, size=9)
    pdf.at(15, 36, "Kunde", style="B")
    pdf.at(15, 41, inv.buyer_name)
    pdf.at(15, 46, f"Org nr {inv.buyer_orgnr}")
    end = _table(
        pdf,
        72,
        ("Varetekst", "Antall", "Enhet", "Pris", "Mva %", "Beløp"),
        (70, 20, 15, 25, 20, 30),
        [
            (line.description, str(line.quantity).replace(".", ","), "stk",
             nok_dots(line.unit_price), "25", nok_dots(line.amount))
            for line in inv.lines
        ],
        ruled=True,
    )  # fmt: skip
    for i, (label, value) in enumerate(
        (("Sum eks. mva", inv.net), ("Sum mva", inv.vat), ("Totalt å betale", inv.payable))
    ):
        pdf.at(120, end + 8 + i * 6, label)
        pdf.right(195, end + 8 + i * 6, nok_dots(value))
    # The giro strip: three labels in a row, their values under them.
    y = end + 35
    pdf.line(15, y - 6, 195, y - 6)
    for x, label, value in (
        (15, "Kundeidentifikasjon (KID)", inv.kid or ""),
        (85, "Kroner", nok_dots(inv.payable)),
        (130, "Til konto", dotted_account(inv.bank_account)),
    ):
        pdf.at(x, y, label, size=8)
        pdf.at(x, y + 6, value, size=11)
    return _output(pdf)


def minimal(inv: SampleInvoice) -> bytes:
    """Bokmål, one "label: value" per line, short labels, "kr 1 234,-" amounts."""
    pdf = _Pdf()
    rows = (
        "Faktura",
        inv.supplier_name,
        f"Org nr: {inv.supplier_orgnr}",
        f"Fakturanr: {inv.invoice_number}",
        f"Dato: {inv.issue_date.day}.{inv.issue_date.month}.{inv.issue_date.year}",
        f"Forfall: {dotted(inv.due_date)}",
        f"Bestilling nr: {inv.order_reference}",
        f"Til: {inv.buyer_name}",
        inv.lines[0].description,
        f"Mva: {kroner_dash(inv.vat)}",
        f"Å betale: {kroner_dash(inv.payable)}",
        f"Konto: {inv.bank_account}",
        f"KID: {inv.kid}",
    )
    for i, text in enumerate(rows):
        pdf.at(20, 25 + i * 7, text, style="B" if i == 0 else "")
    return _output(pdf)


def english_invoice(inv: SampleInvoice) -> bytes:
    """English, EUR, an unruled table, IBAN and "Total amount due"."""
    pdf = _Pdf()
    pdf.at(15, 20, "INVOICE", size=20, style="B")
    pdf.at(15, 30, inv.supplier_name, style="B")
    pdf.at(15, 35, "Teknologiparken 2, 7030 Trondheim, Norway")
    pdf.at(15, 40, f"Company reg. no. {spaced_orgnr(inv.supplier_orgnr)}")
    pdf.at(15, 55, "Bill to", style="B")
    pdf.at(15, 60, inv.buyer_name)
    pdf.at(15, 65, f"Organisation number {spaced_orgnr(inv.buyer_orgnr)}")
    facts = (
        ("Invoice no.", inv.invoice_number),
        ("Invoice date", long_en(inv.issue_date)),
        ("Due date", us_style(inv.due_date)),
        ("Purchase order", inv.order_reference or ""),
        ("Currency", inv.currency),
    )
    for i, (label, value) in enumerate(facts):
        pdf.at(120, 55 + i * 5, label, size=9, style="B")
        pdf.at(150, 55 + i * 5, value, size=9)
    end = _table(
        pdf,
        90,
        ("Description", "Qty", "Unit price", "Amount"),
        (95, 20, 30, 35),
        [
            (line.description, str(line.quantity), english(line.unit_price),
             english(line.amount))
            for line in inv.lines
        ],
        ruled=False,
    )  # fmt: skip
    for i, (label, value) in enumerate(
        (
            ("Subtotal", inv.net),
            (f"VAT {inv.vat_rate}%", inv.vat),
            ("Total amount due", inv.payable),
        )
    ):
        pdf.at(120, end + 8 + i * 6, label, style="B" if i == 2 else "")
        pdf.right(195, end + 8 + i * 6, f"EUR {english(value)}", style="B" if i == 2 else "")
    y = end + 35
    iban = f"NO93 {inv.bank_account[:4]} {inv.bank_account[4:8]} {inv.bank_account[8:]}"
    pdf.at(15, y, f"Please pay to IBAN {iban}, BIC DNBANOKKXXX")
    pdf.at(15, y + 6, "Payment terms: 14 days")
    return _output(pdf)


#: The readable samples: name -> (invoice, layout).
READABLE: dict[str, tuple[SampleInvoice, Callable[[SampleInvoice], bytes]]] = {
    "klassisk": (CLASSIC, classic),
    "tospalte-nynorsk": (TWO_COLUMN, two_column),
    "tabell": (TABLE_HEAVY, table_heavy),
    "minimal": (MINIMAL, minimal),
    "english": (ENGLISH, english_invoice),
}


def scanned() -> bytes:
    """A one-page PDF holding only a picture of an invoice: no text layer."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (1240, 1754), color=255)
    draw = ImageDraw.Draw(image)
    for i, text in enumerate(("FAKTURA", "Fakturanr. 5511", "A betale 4 800,00", "KID 1234567897")):
        draw.text((120, 150 + i * 60), text, fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    pdf = FPDF(format="A4")
    pdf.set_creation_date(_CREATED)
    pdf.add_page()
    pdf.image(io.BytesIO(buffer.getvalue()), x=0, y=0, w=210, h=297)
    return _output(pdf)


def password_protected() -> bytes:
    """The classic invoice, encrypted with a user password (it cannot be opened without)."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(_CREATED)
    pdf.set_encryption(owner_password="eier-2026", user_password="hemmelig")
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.text(20, 30, f"Fakturanr. {CLASSIC.invoice_number}")
    return _output(pdf)


def damaged() -> bytes:
    """A PDF cut off after its first third, with the rest overwritten by noise."""
    whole = classic(CLASSIC)
    cut = len(whole) // 3
    noise = bytes((i * 37 + 11) % 256 for i in range(len(whole) - cut))
    return whole[:cut] + noise


def not_a_pdf() -> bytes:
    """A text file named like a PDF."""
    return b"Hei! Fakturaen kommer i neste e-post.\n"


UNREADABLE: dict[str, Callable[[], bytes]] = {
    "skannet": scanned,
    "passord": password_protected,
    "skadet": damaged,
    "ikke-pdf": not_a_pdf,
}


def write_corpus(folder: Path) -> dict[str, Path]:
    """Write every sample into ``folder`` as ``NAME.pdf``; returns name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, (invoice, layout) in READABLE.items():
        written[name] = folder / f"{name}.pdf"
        written[name].write_bytes(layout(invoice))
    for name, make in UNREADABLE.items():
        written[name] = folder / f"{name}.pdf"
        written[name].write_bytes(make())
    return written


if __name__ == "__main__":
    for path in write_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "pdf-samples")).values():
        print(path)
