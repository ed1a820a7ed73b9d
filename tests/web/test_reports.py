"""The control room's read-only views on SQLite and PostgreSQL (the queries must hold on both)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from orchestrator import reports, services
from orchestrator.config import Settings
from tests.web.seed import Seeded, seed


def test_views_on_each_database(settings: Settings) -> None:
    ids: Seeded = seed(settings)
    figures = reports.dashboard(settings)
    assert figures["week"].posted == 1 and figures["open_by_code"] == [("SUPPLIER-UNKNOWN", 1)]
    wanted = reports.InvoiceFilter(
        supplier="KONTOR", amount_min=Decimal("222.50"), due_to=date(2025, 4, 4)
    )
    assert {r["id"] for r in reports.search_invoices(settings, wanted)} == {
        ids.in_exception,
        ids.awaiting,
        ids.posted,
    }
    services.assign_exceptions(settings, [ids.exception_id], user="ola")
    mine = reports.exception_rows(
        settings, reports.ExceptionFilter(assigned="me", person="ola"), me="ola", open_only=True
    )
    assert [r["id"] for r in mine] == [ids.exception_id]
    assert mine[0]["invoice"]["supplier_name"] == "Kontorrekvisita Nord AS"
    assert reports.age_by_code(mine) == [("SUPPLIER-UNKNOWN", [1, 0, 0, 0])]
    page = reports.invoice_page(settings, ids.posted)
    assert page is not None and [a["filename"] for a in page["attachments"]] == ["faktura.pdf"]
    assert "invoice.posted" in [entry.action for entry in page["timeline"]]
    assert reports.attachment(settings, ids.awaiting, ids.attachment_id) is None
    assert reports.audit_entries(settings, limit=1)[0].action == "exception.assigned"
