"""Files that yield no fields: a scan, a password-protected PDF, a damaged PDF, no PDF."""

from __future__ import annotations

import io

from fpdf import FPDF

from tasks.pdf.samples.drawing import CREATED, output
from tasks.pdf.samples.invoices import CLASSIC
from tasks.pdf.samples.layouts import classic


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
    pdf.set_creation_date(CREATED)
    pdf.add_page()
    pdf.image(io.BytesIO(buffer.getvalue()), x=0, y=0, w=210, h=297)
    return output(pdf)


def password_protected() -> bytes:
    """An invoice encrypted with a user password: it cannot be opened without it."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(CREATED)
    pdf.set_encryption(owner_password="eier-2026", user_password="hemmelig")
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.text(20, 30, f"Fakturanr. {CLASSIC.invoice_number}")
    return output(pdf)


def damaged() -> bytes:
    """A PDF cut off after its first third, with the rest overwritten by noise."""
    whole = classic(CLASSIC)
    cut = len(whole) // 3
    noise = bytes((i * 37 + 11) % 256 for i in range(len(whole) - cut))
    return whole[:cut] + noise


def not_a_pdf() -> bytes:
    """A text file named like a PDF."""
    return b"Hei! Fakturaen kommer i neste e-post.\n"
