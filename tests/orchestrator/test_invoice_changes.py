"""Invoice changes gathered in a transaction and written with one UPDATE per invoice: the
status after a step, what it leaves alone, and the audit trail's account of the rows."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from orchestrator import audit, invoice_changes, invoices
from orchestrator.config import Settings
from orchestrator.db import engine_for, transaction
from orchestrator.models import AuditEntry, Invoice, StoredFile


def _invoice(settings: Settings, number: str, status: str = "controlled") -> int:
    sha = f"{number:0>64}"
    with transaction(settings.database_url) as session:
        session.add(StoredFile(sha256=sha, size=1, first_name="f.xml", path="p", kind="original"))
        session.flush()
        return invoices.create_invoice(
            session,
            file_name=f"f{number}.xml",
            sha256=sha,
            key_fields={"document": "Invoice", "number": number, "supplier": {"orgnr": "1"}},
            status=status,
            actor="test",
        ).id


def _rows(settings: Settings) -> dict[int, tuple[str, str | None, str | None]]:
    with transaction(settings.database_url) as session:
        found = session.execute(
            select(Invoice.id, Invoice.status, Invoice.voucher_id, Invoice.approver)
        )
        return {row.id: (row.status, row.voucher_id, row.approver) for row in found}


def _verified(settings: Settings) -> bool:
    with transaction(settings.database_url) as session:
        return audit.verify(session).ok


def test_each_invoice_is_written_once_with_its_record_and_its_status_after_the_step(
    settings: Settings,
) -> None:
    plain, held, rejected, told = (_invoice(settings, n) for n in "1234")
    updates: list[int] = []

    def count(_conn, _cursor, statement, _parameters, context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("UPDATE invoices"):
            updates.extend(row["id_"] for row in context.compiled_parameters)

    with transaction(settings.database_url) as session:
        session.get(Invoice, rejected).status = "rejected"  # a person, before the robot's end
    engine = engine_for(settings.database_url)
    event.listen(engine, "before_cursor_execute", count)
    try:
        with transaction(settings.database_url) as session:
            invoice_changes.change(session, plain, {"voucher_id": "V1"})
            invoice_changes.change(session, held, {"approver": "kari"})
            invoice_changes.change(session, held, {"status": "awaiting_approval"})
            invoice_changes.change(session, told, {"status": "awaiting_approval"})
            for invoice_id in (plain, held, rejected):
                invoice_changes.move_on(session, invoice_id, "matched")
            invoice_changes.write(session)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert sorted(updates) == sorted([plain, held, told]), "one UPDATE each; none to leave"
    rows = _rows(settings)
    assert rows[plain] == ("matched", "V1", None)
    assert rows[held] == ("awaiting_approval", None, "kari"), "the step's own status wins"
    assert rows[rejected][0] == "rejected", "a person's rejection stays"
    assert _verified(settings), "the trail describes every row as written"


def test_a_record_s_entry_describes_the_row_as_the_record_left_it(settings: Settings) -> None:
    invoice_id = _invoice(settings, "5", status="matched")

    def posted(session) -> None:  # type: ignore[no-untyped-def]
        audit.append(
            session, actor="robot:posting", action="invoice.posted", object_type="invoice",
            object_id=invoice_id, details={"voucher_id": "V9"},
        )  # fmt: skip

    with transaction(settings.database_url) as session:
        invoice_changes.change(session, invoice_id, {"voucher_id": "V9"}, then=posted)
        invoice_changes.move_on(session, invoice_id, "posted")
        invoice_changes.write(session)
    with transaction(settings.database_url) as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_id == str(invoice_id))
            .order_by(AuditEntry.seq)
        ).all()
        row = session.get(Invoice, invoice_id)
        fields = audit.row_fields(row)
    assert [e.action for e in entries][-2:] == ["invoice.posted", "invoice.changed"]
    before_status = {**fields, "status": "matched"}
    assert entries[-2].row_digest == audit._digest_of("invoice", invoice_id, before_status)
    assert (
        entries[-1].row_digest == audit.row_digest(row)
        and entries[-1].details["status"] == "posted"
    )
    assert _verified(settings)


def test_a_commit_with_changes_left_unwritten_fails(settings: Settings) -> None:
    invoice_id = _invoice(settings, "6")
    refused = pytest.raises(RuntimeError, match="not written")
    with refused, transaction(settings.database_url) as session:
        invoice_changes.move_on(session, invoice_id, "matched")
    assert _rows(settings)[invoice_id][0] == "controlled"


def test_a_change_to_an_invoice_that_is_not_there_is_refused(settings: Settings) -> None:
    refused = pytest.raises(LookupError, match="invoice 999 does not exist")
    with refused, transaction(settings.database_url) as session:
        invoice_changes.change(session, 999, {"voucher_id": "V1"})
        invoice_changes.write(session)


def test_a_status_the_invoice_has_already_is_no_change(settings: Settings) -> None:
    """Receipt's step ends in the status an invoice is registered with: no UPDATE, and no
    entry that would say the row changed."""
    invoice_id = _invoice(settings, "7", status="received")
    with transaction(settings.database_url) as session:
        entries_before = audit.count(session)
        updated_before = session.get(Invoice, invoice_id).updated_at
    with transaction(settings.database_url) as session:
        invoice_changes.move_on(session, invoice_id, "received")
        invoice_changes.change(session, invoice_id, {"approver": None})
        invoice_changes.write(session)
    with transaction(settings.database_url) as session:
        assert audit.count(session) == entries_before
        assert session.get(Invoice, invoice_id).updated_at == updated_before, "no UPDATE"
