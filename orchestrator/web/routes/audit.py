"""``/revisjon``: the auditor's pages: the whole exception log with filters and export, the
audit trail with its verification and export, and the run history."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from orchestrator import export, reports, services
from orchestrator.web.access import Reader, settings_of
from orchestrator.web.forms import as_date
from orchestrator.web.templating import render

router = APIRouter()

EXCEPTION_COLUMNS = (
    "id", "created_at", "code", "type", "state", "step", "invoice_id", "invoice_number",
    "supplier", "amount", "file", "message_nb", "message_en", "assigned_to", "resolved_by",
    "resolved_at", "resolution", "comment",
)  # fmt: skip
AUDIT_PAGE = 200


def _log_filter(
    date_from: str = "",
    date_to: str = "",
    code: str = "",
    type: str = "",
    state: str = "",
    person: str = "",
) -> reports.ExceptionFilter:
    return reports.ExceptionFilter(
        code=code,
        type=type,
        state=state,
        person=person.strip(),
        created_from=as_date(date_from),
        created_to=as_date(date_to),
    )


def _exception_table(rows: list[dict]) -> list[list]:
    table = []
    for row in rows:
        invoice = row["invoice"] or {}
        table.append(
            [
                row["id"], row["created_at"], row["code"], row["type"], row["state"],
                row["step"], row["invoice_id"], invoice.get("invoice_number"),
                invoice.get("supplier_name"), invoice.get("payable"), row["file"],
                row["message_nb"], row["message_en"], row["assigned_to"], row["resolved_by"],
                row["resolved_at"], row["resolution"], row["comment"],
            ]
        )  # fmt: skip
    return table


@router.get("/revisjon")
def audit_home(
    request: Request,
    user: Reader,
    wanted: Annotated[reports.ExceptionFilter, Depends(_log_filter)],
) -> Response:
    """The exception log (all of it, filtered), the trail's state and the runs."""
    settings = settings_of(request)
    context = {
        "rows": reports.exception_rows(settings, wanted),
        "codes": reports.exception_codes_in_use(settings),
        "verdict": services.verify_audit(settings),
        "runs": services.list_runs(settings),
        "q": request.query_params,
        "query": request.url.query,
    }
    return render(request, "audit.html", context)


def _download(data: bytes, media_type: str, filename: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS: dict[str, tuple[str, Callable[[str, tuple, list], bytes]]] = {
    "csv": ("text/csv; charset=utf-8", lambda _title, cols, rows: export.csv_bytes(cols, rows)),
    "xlsx": (XLSX, export.xlsx_bytes),
}


@router.get("/revisjon/avvik.{fmt}")
def export_exceptions(
    request: Request,
    user: Reader,
    fmt: str,
    wanted: Annotated[reports.ExceptionFilter, Depends(_log_filter)],
) -> Response:
    """The filtered exception log as CSV or xlsx."""
    if fmt not in FORMATS:
        return render(request, "error.html", {"title": "Finnes ikke", "text": ""}, 404)
    media_type, write = FORMATS[fmt]
    rows = _exception_table(reports.exception_rows(settings_of(request), wanted))
    return _download(write("Avvik", EXCEPTION_COLUMNS, rows), media_type, f"avvikslogg.{fmt}")


@router.get("/revisjon/spor")
def audit_trail(request: Request, user: Reader, side: int = 0) -> Response:
    """The audit trail, newest first, a page at a time, with its verification."""
    settings = settings_of(request)
    side = max(side, 0)
    entries = reports.audit_entries(settings, limit=AUDIT_PAGE, offset=side * AUDIT_PAGE)
    context = {
        "entries": entries,
        "verdict": services.verify_audit(settings),
        "side": side,
        "more": len(entries) == AUDIT_PAGE,
    }
    return render(request, "trail.html", context)


@router.get("/revisjon/spor.{fmt}")
def export_trail(request: Request, fmt: str, user: Reader) -> Response:
    """The whole audit trail as CSV or xlsx (the columns of ``kommunerpa audit export``)."""
    if fmt not in FORMATS:
        return render(request, "error.html", {"title": "Finnes ikke", "text": ""}, 404)
    out = io.StringIO()
    services.export_audit(settings_of(request), out)
    columns, *rows = list(csv.reader(io.StringIO(out.getvalue())))
    media_type, write = FORMATS[fmt]
    return _download(
        write("Revisjonsspor", tuple(columns), rows), media_type, f"revisjonsspor.{fmt}"
    )
