"""Receipt registers a batch's invoices together; an invoice the database refuses fails
alone and the rest of the batch goes on (the real receipt robot)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text

from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import ExceptionEntry, Invoice, WorkItem
from orchestrator.pipeline import process_once
from orchestrator.samples import invoice

REFUSED = "REFUSED-2"

#: A trigger that refuses one invoice number, as a database would refuse a bad row.
_REFUSE = {
    "sqlite": [
        f"""CREATE TRIGGER refuse_one BEFORE INSERT ON invoices
        WHEN NEW.invoice_number = '{REFUSED}'
        BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"""
    ],
    "postgresql": [
        f"""CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.invoice_number = '{REFUSED}' THEN RAISE EXCEPTION 'refused by the test';
            END IF;
            RETURN NEW;
        END $$""",
        """CREATE TRIGGER refuse_one BEFORE INSERT ON invoices
        FOR EACH ROW EXECUTE FUNCTION refuse_one()""",
    ],
}


def test_an_invoice_the_database_refuses_fails_alone(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        for statement in _REFUSE[session.get_bind().dialect.name]:
            session.execute(text(statement))
    files = [invoice("BATCH-1"), invoice(REFUSED), invoice("BATCH-3")]
    files.append(files[0] + b"\n")  # other bytes, the same invoice again
    for at, content in enumerate(files):
        (settings.inbox / f"{at}.xml").write_bytes(content)
    [run] = process_once(settings, robots=("receipt",)).runs

    # The warning names the database's reason on one line, not the whole statement.
    [warning] = [line for line in (Path(run.output_dir) / "console.txt").read_text().splitlines()
                 if "kunne ikke registreres samlet" in line]  # fmt: skip
    assert "refused by the test" in warning and "INSERT" not in warning
    with transaction(settings.database_url) as session:
        registered = session.execute(
            select(Invoice.file_name, Invoice.invoice_number, Invoice.status).order_by(Invoice.id)
        ).all()
        codes = session.scalars(select(ExceptionEntry.code)).all()
        items = {
            item.payload["file"]: item
            for item in session.scalars(select(WorkItem).where(WorkItem.step == "receipt"))
        }
        control = session.scalars(select(WorkItem).where(WorkItem.step == "control")).all()
    # Registered one by one in batch order: the refused one is missing, the later copy of
    # BATCH-1 is still its duplicate.
    assert [tuple(row) for row in registered] == [
        ("0.xml", "BATCH-1", "received"),
        ("2.xml", "BATCH-3", "received"),
        ("3.xml", "BATCH-1", "exception"),
    ]
    assert codes == ["DUPLICATE-INVOICE"]
    assert len(control) == 2
    # The refused one is a system failure of its own, back in the queue for its retry.
    refused = items["1.xml"]
    assert (refused.state, refused.last_error) == ("pending", "ROBOT-ERROR")
    assert "refused by the test" in refused.payload["exception"]["message"]
    assert [items[name].state for name in ("0.xml", "2.xml", "3.xml")] == ["done", "done", "failed"]


def test_duplicates_in_the_batch_and_before_it_are_found_together(settings: Settings) -> None:
    earlier = invoice("EARLIER-1")
    (settings.inbox / "0-earlier.xml").write_bytes(earlier)
    process_once(settings, robots=("receipt",))
    again = {
        "1-new.xml": invoice("NEW-1"),
        "2-earlier-again.xml": earlier + b"\n",
        "3-new-again.xml": invoice("NEW-1") + b"\n",
        "4-other.xml": invoice("NEW-2"),
    }
    for name, content in again.items():
        (settings.inbox / name).write_bytes(content)

    [run] = process_once(settings, robots=("receipt",)).runs

    assert "kunne ikke registreres samlet" not in (Path(run.output_dir) / "console.txt").read_text()
    with transaction(settings.database_url) as session:
        ids = dict(session.execute(select(Invoice.file_name, Invoice.id)).all())
        duplicates = {
            entry.file_name: entry.evidence["existing_invoice_id"]
            for entry in session.scalars(select(ExceptionEntry))
        }
    assert set(ids) == {"0-earlier.xml", *again}
    assert duplicates == {
        "2-earlier-again.xml": ids["0-earlier.xml"],
        "3-new-again.xml": ids["1-new.xml"],
    }
