"""The five readable layouts: each draws a :class:`SampleInvoice` its own way."""

from __future__ import annotations

from tasks.pdf.samples.drawing import SamplePdf, output, table
from tasks.pdf.samples.formats import (
    dotted,
    dotted_account,
    english,
    kroner_dash,
    long_en,
    long_nb,
    nok_dots,
    nok_spaces,
    spaced_orgnr,
    us_style,
)
from tasks.pdf.samples.invoices import SampleInvoice


def classic(inv: SampleInvoice) -> bytes:
    """Bokmål: a header box with labels over values, a ruled line table, totals, payment."""
    pdf = SamplePdf()
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
    end = table(
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
    return output(pdf)


def two_column(inv: SampleInvoice) -> bytes:
    """Nynorsk: seller and buyer on the left, the invoice facts on the right, no table."""
    pdf = SamplePdf()
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
    return output(pdf)


def table_heavy(inv: SampleInvoice) -> bytes:
    """Bokmål: labels with their values far to the right, ISO dates, a long ruled table with
    unit and VAT columns, "1.234,50" amounts, and a giro strip with labels over values."""
    pdf = SamplePdf()
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
    end = table(
        pdf,
        72,
        ("Varetekst", "Antall", "Enhet", "Pris", "Mva %", "Beløp"),
        (70, 20, 15, 25, 20, 30),
        [
            (line.description, str(line.quantity).replace(".", ","), "stk",
             nok_dots(line.unit_price), f"{inv.rate_of(line):f}", nok_dots(line.amount))
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
    return output(pdf)


def minimal(inv: SampleInvoice) -> bytes:
    """Bokmål, one "label: value" per line, short labels, "kr 1 234,-" amounts."""
    pdf = SamplePdf()
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
    return output(pdf)


def english_invoice(inv: SampleInvoice) -> bytes:
    """English, EUR, an unruled table, IBAN and "Total amount due"."""
    pdf = SamplePdf()
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
    end = table(
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
    return output(pdf)
