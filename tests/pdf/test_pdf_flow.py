"""Acceptance: a PDF invoice through the real robots and the ERP stub.

Dropped in the inbox, it is received like EHF and stops as PDF-REVIEW with the fields read;
after ``invoices confirm`` it is controlled (the EHF layer recorded as not applicable),
matched against its order and posted, the voucher in the ERP exactly once.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import httpx
from click.testing import CliRunner
from sqlalchemy import select

from connectors.erp import connect
from orchestrator import services
from orchestrator.commands.invoices import invoices as invoices_cli
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import AuditEntry, Invoice
from orchestrator.pipeline import process_once
from tasks.pdf.samples import SampleInvoice, SampleLine, classic
from tasks.pdf.samples.unreadable import scanned

#: An invoice the ERP stub's demo data knows: supplier, order PO-2025-0042 (goods received),
#: agreement prices, the supplier's registered account; the buyer (a tenant) is not on it.
ORDERED = SampleInvoice(
    supplier_name="Kontorrekvisita Nord AS",
    supplier_orgnr="921122330",
    buyer_name="Fjordvik kommune",
    buyer_orgnr="940123453",
    invoice_number="2026-2001",
    issue_date=date(2026, 12, 2),
    due_date=date(2026, 12, 16),
    currency="NOK",
    kid="1234567897",
    bank_account="15032080119",
    order_reference="PO-2025-0042",
    lines=(
        SampleLine("KR-100 Kopipapir A4 80 g, 500 ark", Decimal(12), Decimal("42.50")),
        SampleLine("KR-210 Kulepenn blå, 50 stk", Decimal(5), Decimal("89.00")),
    ),
)


def _confirm(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(invoices_cli, ["confirm", *args])
    return result.exit_code, result.output


def _audit(settings: Settings, action: str, invoice_id: int) -> list[AuditEntry]:
    with transaction(settings.database_url) as session:
        return list(
            session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == action, AuditEntry.object_id == str(invoice_id)
                )
            )
        )


def test_a_pdf_invoice_stops_for_review_and_after_confirmation_is_posted_like_ehf(
    home: Settings, demo: httpx.Client
) -> None:
    (home.inbox / "faktura-2026-2001.pdf").write_bytes(classic(ORDERED))
    # A scan: no text layer. Named like XML on purpose: PDFs are known by their bytes.
    (home.inbox / "skannet.xml").write_bytes(scanned())

    process_once(home, robots=("receipt",))

    rows = {row["file"]: row for row in services.list_invoices(home)}
    assert set(rows) == {"faktura-2026-2001.pdf", "skannet.xml"}
    pdf, scan = rows["faktura-2026-2001.pdf"], rows["skannet.xml"]
    assert [e["code"] for e in pdf["exceptions"]] == ["PDF-REVIEW"]
    assert pdf["status"] == "exception"
    assert (pdf["supplier_orgnr"], pdf["invoice_number"]) == ("921122330", "2026-2001")
    assert (pdf["issue_date"], pdf["due_date"]) == ("2026-12-02", "2026-12-16")
    assert (pdf["payable"], pdf["currency"]) == ("1193.75", "NOK")
    with transaction(home.database_url) as session:
        record = session.get(Invoice, pdf["id"])
        assert record is not None and record.source == "pdf"
        fields = record.pdf_fields["extraction"]["fields"]  # type: ignore[index]
        assert fields["order_reference"]["value"] == "PO-2025-0042"
        assert fields["kid"]["value"] == "1234567897"
        assert 0 < fields["supplier_orgnr"]["confidence"] <= 1
        assert fields["supplier_orgnr"]["page"] == 1
        assert "921" in fields["supplier_orgnr"]["text"]
    [review] = [e for e in services.list_exceptions(home) if e["invoice_id"] == pdf["id"]]
    assert review["type"] == "business"
    assert "buyer_orgnr" in review["message_en"].split("Missing:")[1]
    assert "invoice_number" in review["message_en"].split("Missing:")[0]

    # The scan is an invoice too, waiting with a clear message; nothing is lost.
    [scan_review] = [e for e in services.list_exceptions(home) if e["invoice_id"] == scan["id"]]
    assert scan_review["code"] == "PDF-REVIEW"
    assert "no text layer" in scan_review["message_en"]
    assert "tekstlag" in scan_review["message_nb"]

    # A wrong organisation number is refused, and nothing changes.
    code, output = _confirm(
        str(pdf["id"]), "--field", "buyer_orgnr=940123454", "--user", "Kari Nordmann"
    )
    assert code != 0 and "buyer_orgnr" in output and "mod 11" in output
    # The demo ERP has three tenants: the buyer cannot be defaulted.
    code, output = _confirm(str(pdf["id"]), "--user", "Kari Nordmann")
    assert code != 0 and "buyer_orgnr" in output
    assert [e["state"] for e in services.list_exceptions(home)] == ["open", "open"]

    code, output = _confirm(
        str(pdf["id"]), "--field", "buyer_orgnr=940 123 453", "--user", "Kari Nordmann"
    )
    assert code == 0, output
    assert "buyer_orgnr: - -> 940123453" in output
    [confirmed] = _audit(home, "invoice.pdf_confirmed", pdf["id"])
    assert confirmed.actor == "user:Kari Nordmann"
    assert confirmed.details["changed"] == {"buyer_orgnr": {"from": None, "to": "940123453"}}
    [closed] = [e for e in services.list_exceptions(home) if e["invoice_id"] == pdf["id"]]
    assert (closed["state"], closed["resolution"]) == ("resolved", "confirmed")

    process_once(home, robots=("control", "matching", "posting"))

    listed = json.loads(CliRunner().invoke(invoices_cli, ["list", "--json"]).output)
    [after] = [row for row in listed if row["id"] == pdf["id"]]
    assert after["status"] == "posted", services.list_exceptions(home)
    assert after["ehf_release"] is None
    [skipped] = _audit(home, "invoice.ehf_skipped", pdf["id"])
    assert skipped.details["ehf"] == "not applicable (pdf)"
    posted = connect(home.erp_url).posted_invoices(
        supplier_orgnr="921122330", invoice_number="2026-2001"
    )
    assert len(posted) == 1
    [voucher] = posted
    assert voucher.voucher_id == after["voucher_id"]
    assert voucher.payable_amount == Decimal("1193.75")
    assert voucher.vat_amount == Decimal("238.75")
    assert {line.line_id for line in voucher.lines} == {"1", "2"}
    assert {line.po_id for line in voucher.lines} == {"PO-2025-0042"}
