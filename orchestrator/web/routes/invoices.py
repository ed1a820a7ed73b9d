"""``/fakturaer``: search, the invoice page with its EHF rendered, attachments, original."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from orchestrator import pdf_review, reports
from orchestrator.config import Settings
from orchestrator.robot_api import RobotContext
from orchestrator.services import ResolveError
from orchestrator.web.access import Operator, Reader, settings_of
from orchestrator.web.forms import as_date, as_decimal
from orchestrator.web.templating import render
from tasks import invoice_source
from tasks.ehf.model import Invoice
from tasks.receipt import archive

router = APIRouter()


@router.get("/fakturaer")
def search(
    request: Request,
    user: Reader,
    supplier: str = "",
    status: str = "",
    received_from: str = "",
    received_to: str = "",
    amount_min: str = "",
    amount_max: str = "",
    due_from: str = "",
    due_to: str = "",
) -> Response:
    """Invoices filtered by supplier, status, received date, amount and due date."""
    settings = settings_of(request)
    wanted = reports.InvoiceFilter(
        supplier=supplier,
        status=status,
        received_from=as_date(received_from),
        received_to=as_date(received_to),
        amount_min=as_decimal(amount_min),
        amount_max=as_decimal(amount_max),
        due_from=as_date(due_from),
        due_to=as_date(due_to),
    )
    context = {
        "rows": reports.search_invoices(settings, wanted),
        "statuses": reports.invoice_statuses(settings),
        "q": request.query_params,
    }
    return render(request, "invoices.html", context)


def vat_breakdown(invoice: Invoice) -> list[tuple[str, Decimal | None, Decimal]]:
    """Line amounts per VAT category and rate: ``(category, percent, taxable amount)``."""
    totals: dict[tuple[str, Decimal | None], Decimal] = defaultdict(Decimal)
    for line in invoice.lines:
        totals[(line.vat_category or "", line.vat_percent)] += line.line_amount or Decimal(0)
    return [(category, percent, amount) for (category, percent), amount in totals.items()]


def _page_or_404(settings: Settings, invoice_id: int) -> dict[str, Any]:
    page = reports.invoice_page(settings, invoice_id)
    if page is None:
        raise HTTPException(status_code=404)
    return page


@router.get("/fakturaer/{invoice_id}")
def invoice_page(request: Request, invoice_id: int, user: Reader) -> Response:
    """One invoice: the EHF rendered, attachments, findings, exceptions, voucher, timeline."""
    settings = settings_of(request)
    page = _page_or_404(settings, invoice_id)
    try:
        document = invoice_source.load(RobotContext(settings, "web", None), invoice_id).invoice
    except Exception:  # noqa: BLE001  (a broken archive must not hide the rest of the page)
        document = None
    context = {
        "page": page,
        "doc": document,
        "vat": vat_breakdown(document) if document else [],
        "pdf_review": pdf_review.review_form(settings, invoice_id),
        "line_fields": pdf_review.LINE_FIELDS,
        "can_confirm": user.may("operator"),
    }
    return render(request, "invoice.html", context)


@router.post("/fakturaer/{invoice_id}/bekreft")
async def confirm_pdf(request: Request, invoice_id: int, user: Operator) -> Response:
    """The logged-in operator corrects and confirms a PDF invoice's fields."""
    form = await request.form()
    changes = {name: str(form[name]) for name in pdf_review.CONFIRMABLE if name in form}
    try:
        pdf_review.confirm_invoice(
            settings_of(request),
            invoice_id,
            changes=changes,
            user=user.name,
            line_changes=_line_changes(form),
        )
    except ResolveError as exc:
        return render(request, "error.html", {"title": "Kan ikke bekrefte", "text": str(exc)}, 409)
    return RedirectResponse(f"/fakturaer/{invoice_id}", status_code=303)


def _line_changes(form: Mapping[str, Any]) -> list[tuple[int, str, str]]:
    """The form's line inputs (``line-N-NAME``) as the confirm service takes them: every
    value as it stands; an unchanged one changes nothing, an emptied row removes the line."""
    changes = []
    for key, value in form.items():
        prefix, _, rest = key.partition("-")
        number, _, name = rest.partition("-")
        if prefix == "line" and number.isdigit() and name in pdf_review.LINE_FIELDS:
            changes.append((int(number), name, str(value)))
    return changes


def _disposition(kind: str, filename: str) -> str:
    # An ASCII fallback plus the UTF-8 name (RFC 6266); no quotes or line breaks get through.
    fallback = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename)[:100] or "fil"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename[:200])}"


@router.get("/fakturaer/{invoice_id}/vedlegg/{attachment_id}")
def attachment(
    request: Request,
    user: Reader,
    invoice_id: int,
    attachment_id: int,
) -> Response:
    """An attachment: a PDF opens in the browser; anything else downloads as bytes."""
    settings = settings_of(request)
    found = reports.attachment(settings, invoice_id, attachment_id)
    if found is None:
        raise HTTPException(status_code=404)
    data = archive.read(settings.archive, found.sha256)
    if found.mime_code == "application/pdf" and data.startswith(b"%PDF-"):
        # The browser's PDF viewer is a plugin: it needs object-src, and no sandbox.
        media_type, kind, policy = (
            "application/pdf",
            "inline",
            "default-src 'none'; object-src 'self'",
        )
    else:
        # Never let a browser render an unknown attachment as a page of this site.
        media_type, kind, policy = (
            "application/octet-stream",
            "attachment",
            "default-src 'none'; sandbox",
        )
    headers = {
        "Content-Disposition": _disposition(kind, found.filename),
        "Content-Security-Policy": policy,
    }
    return Response(data, media_type=media_type, headers=headers)


@router.get("/fakturaer/{invoice_id}/original")
def original(request: Request, invoice_id: int, user: Reader) -> Response:
    """The unchanged original as it was received (a download)."""
    settings = settings_of(request)
    page = _page_or_404(settings, invoice_id)
    data = archive.read(settings.archive, page["sha256"])
    headers = {"Content-Disposition": _disposition("attachment", page["summary"]["file"])}
    return Response(data, media_type="application/octet-stream", headers=headers)
