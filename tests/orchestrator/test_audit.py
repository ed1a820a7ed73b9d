"""The audit chain: tampering of each kind is detected and the right entry is named."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from orchestrator import audit, audit_heads, invoices, queue
from orchestrator.commands.audit import audit as audit_cli
from orchestrator.config import Settings
from orchestrator.db import engine_for, session_factory, transaction
from orchestrator.models import AuditEntry, Invoice, StoredFile, WorkItem
from tests.orchestrator.records import failed_invoice


def _write(settings: Settings, n: int = 5) -> None:
    with transaction(settings.database_url) as session:
        for i in range(n):
            audit.append(
                session,
                actor="user:kari",
                action="test.action",
                object_type="invoice",
                object_id=i,
                details={"amount": "1250.00", "note": f"entry {i}", "nested": {"b": 1, "a": [i]}},
            )


def _verify(settings: Settings) -> audit.Verdict:
    with transaction(settings.database_url) as session:
        return audit.verify(session)


def _sql(settings: Settings, statement: str, **params: object) -> None:
    """Tamper with the table directly, as a person with database access could."""
    with transaction(settings.database_url) as session:
        session.execute(text(statement), params)


def test_intact_chain_verifies(settings: Settings) -> None:
    _write(settings)
    verdict = _verify(settings)
    assert verdict.ok and verdict.entries == 5 and verdict.head_seq == 5


def test_altered_row_is_named(settings: Settings) -> None:
    _write(settings)
    _sql(settings, "UPDATE audit_entries SET actor = 'user:mallory' WHERE seq = 3")
    verdict = _verify(settings)
    assert not verdict.ok
    assert verdict.broken_seq == 3 and "altered" in verdict.reason


def test_altered_details_are_detected(settings: Settings) -> None:
    _write(settings)
    _sql(
        settings,
        "UPDATE audit_entries SET details = :d WHERE seq = 2",
        d='{"amount": "9999.00", "note": "entry 1", "nested": {"a": [1], "b": 1}}',
    )
    assert _verify(settings).broken_seq == 2


def test_inserted_row_is_named(settings: Settings) -> None:
    _write(settings)
    # Make room at seq 3 and insert a forged entry whose own hash is consistent.
    with transaction(settings.database_url) as session:
        for entry in session.scalars(
            select(AuditEntry).where(AuditEntry.seq >= 3).order_by(AuditEntry.seq.desc())
        ):
            entry.seq += 1
            session.flush()
        previous = session.scalars(select(AuditEntry).where(AuditEntry.seq == 2)).one()
        forged = AuditEntry(
            seq=3,
            at=previous.at,
            actor="user:mallory",
            action="invoice.approved",
            object_type="invoice",
            object_id="1",
            details={},
            prev_hash=previous.hash,
        )
        forged.hash = audit.entry_hash(forged)
        session.add(forged)
    verdict = _verify(settings)
    assert not verdict.ok
    # The forged entry links correctly, but the genuine entry after it no longer does.
    assert verdict.broken_seq == 4 and "link" in verdict.reason


def test_inserted_row_at_the_end_is_named(settings: Settings) -> None:
    _write(settings)
    with transaction(settings.database_url) as session:
        head = session.scalars(select(AuditEntry).where(AuditEntry.seq == 5)).one()
        forged = AuditEntry(
            seq=6,
            at=head.at,
            actor="x",
            action="y",
            object_type="z",
            details={},
            prev_hash="0" * 64,
        )
        forged.hash = audit.entry_hash(forged)
        session.add(forged)
    verdict = _verify(settings)
    assert verdict.broken_seq == 6 and "link" in verdict.reason


def test_deleted_row_is_named(settings: Settings) -> None:
    _write(settings)
    _sql(settings, "DELETE FROM audit_entries WHERE seq = 2")
    verdict = _verify(settings)
    assert not verdict.ok
    assert verdict.broken_seq == 3 and "deleted" in verdict.reason


def test_cli_verify_exit_codes_and_export(cli_env: Settings) -> None:
    _write(cli_env)
    runner = CliRunner()
    ok = runner.invoke(audit_cli, ["verify"])
    assert ok.exit_code == 0, ok.output
    assert "intact: 5 entries" in ok.output
    exported = runner.invoke(audit_cli, ["export"])  # CSV without asking
    assert exported.exit_code == 0
    lines = exported.stdout.strip().splitlines()
    assert lines[0].startswith("seq,at,actor") and len(lines) == 6
    assert "head 5:" in exported.stderr
    _sql(cli_env, "UPDATE audit_entries SET action = 'invoice.deleted' WHERE seq = 4")
    broken = runner.invoke(audit_cli, ["verify"])
    assert broken.exit_code == 1
    assert "seq 4" in broken.output


def test_recorded_head_detects_deleted_newest_entries(cli_env: Settings) -> None:
    _write(cli_env)
    runner = CliRunner()
    first = runner.invoke(audit_cli, ["verify"])
    head = first.output.split("head ")[1].split(";")[0]  # SEQ:HASH, kept by the auditor
    assert runner.invoke(audit_cli, ["verify", "--head", head]).exit_code == 0
    _write(cli_env, 2)  # the trail grows: the old head is still in it
    assert runner.invoke(audit_cli, ["verify", "--head", head]).exit_code == 0
    _sql(cli_env, "DELETE FROM audit_entries WHERE seq >= 5")
    # The heads anchored in the archive at each commit catch it without the auditor's head.
    anchored = runner.invoke(audit_cli, ["verify"])
    assert anchored.exit_code == 1 and "entries after 4 were deleted" in anchored.output
    truncated = runner.invoke(audit_cli, ["verify", "--head", head])
    assert truncated.exit_code == 1 and "deleted" in truncated.output
    bad = runner.invoke(audit_cli, ["verify", "--head", "5:abc"])
    assert bad.exit_code == 2 and "SEQ:HASH" in bad.output


# ------------------------------------------------------------------ format and cost


def _chain_of_three_transactions(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, *, by_statement: bool = False
) -> None:
    """A received invoice and its work item; its status changed without an entry (the commit
    hook's ``invoice.changed``); three entries in one transaction. Times fixed. The invoice
    is inserted as an object of the session, or ``by_statement`` (``insert_invoices``)."""
    ticks = iter(range(60))
    monkeypatch.setattr(
        audit, "utcnow", lambda: datetime(2026, 1, 5, 8, 0, next(ticks), tzinfo=UTC)
    )
    with transaction(settings.database_url) as session:
        invoices.record_stored_file(
            session, sha256="c" * 64, size=1, name="f.xml", path="p", kind="original", actor="r"
        )
        key_fields = {"document": "Invoice", "number": "7", "supplier": {"orgnr": "923609016"}}
        if by_statement:
            row = invoices.invoice_values("f.xml", "c" * 64, key_fields, "received", None)
            [invoice_id] = invoices.insert_invoices(session, [row], actor="robot:receipt")
        else:
            invoice_id = invoices.create_invoice(
                session,
                file_name="f.xml",
                sha256="c" * 64,
                key_fields=key_fields,
                status="received",
                actor="robot:receipt",
            ).id
        queue.enqueue(session, step="control", actor="r", invoice_id=invoice_id)
    with transaction(settings.database_url) as session:
        session.get_one(Invoice, invoice_id).status = "controlled"
    with transaction(settings.database_url) as session:
        for k in range(3):
            details = {"k": k, "amount": Decimal("1250.00"), "æ": {"b": 1, "a": [k]}}
            audit.append(
                session, actor="user:kari", action="test.note", object_type="work_item",
                object_id=1, details=details,
            )  # fmt: skip


#: What ``_chain_of_three_transactions`` stored with the code before the audit trail was made
#: cheaper (commit 36624ff): seq, action, the first 16 digits of the hash and of the row digest.
#: Existing chains, anchored heads and backups verify only while new entries hash the same.
STORED_BEFORE = [
    (1, "file.archived", "cdc4f05e16f758c4", None),
    (2, "invoice.received", "f542ee71bd756c83", "b9606e769059ec1c"),
    (3, "workitem.created", "23ecc439e6b61bbc", None),
    (4, "invoice.changed", "1dd2b56f11aa031b", "137a8288205b1820"),
    (5, "test.note", "c1ddf17fd3b460a6", None),
    (6, "test.note", "8c0e93a34e5c5c04", None),
    (7, "test.note", "9ff799f367168c6f", None),
]


@pytest.mark.parametrize("by_statement", [False, True], ids=["object", "statement"])
def test_entries_are_stored_exactly_as_before(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, by_statement: bool
) -> None:
    _chain_of_three_transactions(settings, monkeypatch, by_statement=by_statement)
    with transaction(settings.database_url) as session:
        stored = [
            (e.seq, e.action, e.hash[:16], e.row_digest and e.row_digest[:16])
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]
    assert stored == STORED_BEFORE
    assert _verify(settings).ok


@contextmanager
def _statements_on_the_chain(settings: Settings) -> Iterator[list[str]]:
    """The statements sent to the database meanwhile that read the chain or lock it."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("SELECT") and ("audit_entries" in statement or "lock" in statement):
            seen.append(statement)

    engine = engine_for(settings.database_url)
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_transaction_reads_the_head_and_locks_the_chain_once(settings: Settings) -> None:
    invoice_id, _ = failed_invoice(settings)
    with _statements_on_the_chain(settings) as seen, transaction(settings.database_url) as session:
        for k in range(3):
            audit.append(session, actor="t", action="test.note", object_type="work_item",
                         object_id=1, details={"k": k})  # fmt: skip
        # Described by the commit hook's entry, without asking for its last digest.
        session.get_one(Invoice, invoice_id).status = "controlled"
    postgres = engine_for(settings.database_url).dialect.name == "postgresql"
    assert len(seen) == (2 if postgres else 1), seen  # the head (and the advisory lock)
    with transaction(settings.database_url) as session:
        newest = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert newest is not None
        assert (newest.action, newest.details["status"]) == ("invoice.changed", "controlled")
    assert _verify(settings).ok


def test_details_of_every_kind_hash_the_same_once_read_back(settings: Settings) -> None:
    """Details are normalised at the append (Decimal and dates as text, tuples as lists, keys
    as text) and hashed as normalised, so the value read back from the database hashes the
    same. Integer keys are the case canonical JSON alone gets wrong: sorted as numbers at
    the append, as text once read back."""
    details = {
        "by_line": {10: "ten", 9: "nine"},
        "amount": Decimal("1250.50"),
        "due": datetime(2026, 1, 5, 8, 0, tzinfo=UTC).date(),
        "lines": ({"net": Decimal("100.50"), "rate": 0.25}, None, True),
        "name": "Leverandør AS «ﬁ» \u2028",
    }
    with transaction(settings.database_url) as session:
        audit.append(
            session, actor="t", action="test.note", object_type="invoice", object_id="x",
            details=details,
        )  # fmt: skip
        audit.append(session, actor="t", action="test.empty", object_type="run")
    with transaction(settings.database_url) as session:
        stored = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        assert [e.details for e in stored] == [
            {
                "by_line": {"10": "ten", "9": "nine"},
                "amount": "1250.50",
                "due": "2026-01-05",
                "lines": [{"net": "100.50", "rate": 0.25}, None, True],
                "name": "Leverandør AS «ﬁ» \u2028",
            },
            {},
        ]
        assert all(audit.entry_hash(e) == e.hash for e in stored)
    assert _verify(settings).ok


def test_a_transaction_inserts_its_entries_in_one_statement(settings: Settings) -> None:
    """The chained entries go to the database together, not one statement per entry."""
    invoice_id, _ = failed_invoice(settings)
    inserts: list[bool] = []

    def note(_conn: object, _cursor: object, statement: str, _params: object, _context: object,
             executemany: bool) -> None:  # fmt: skip
        if statement.startswith("INSERT INTO audit_entries"):
            inserts.append(executemany)

    engine = engine_for(settings.database_url)
    event.listen(engine, "before_cursor_execute", note)
    try:
        with transaction(settings.database_url) as session:
            for k in range(5):
                audit.append(session, actor="t", action="test.note", object_type="invoice",
                             object_id=invoice_id, details={"k": k})  # fmt: skip
            session.get_one(Invoice, invoice_id).status = "controlled"  # and invoice.changed
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert len(inserts) == 1, inserts
    with transaction(settings.database_url) as session:
        newest = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(6))
        assert [e.action for e in newest] == ["invoice.changed"] + ["test.note"] * 5
    assert _verify(settings).ok


def test_a_change_outside_the_audited_fields_adds_no_entry(settings: Settings) -> None:
    invoice_id, _ = failed_invoice(settings)
    with transaction(settings.database_url) as session:
        entries = audit.count(session)
        session.get_one(Invoice, invoice_id).prepared_voucher = {"lines": []}
    with transaction(settings.database_url) as session:
        assert audit.count(session) == entries
    # An audited field edited behind the application's back stays reported when the
    # application later changes only other fields of the row.
    _sql(settings, "UPDATE invoices SET payable = '1.00' WHERE id = :i", i=invoice_id)
    with transaction(settings.database_url) as session:
        session.get_one(Invoice, invoice_id).prepared_voucher = {"lines": [1]}
    assert any(f"invoice {invoice_id} differs" in p for p in _verify(settings).problems)


def test_a_savepoint_taken_back_takes_its_entries_and_changes_back_too(
    settings: Settings,
) -> None:
    invoice_id, _ = failed_invoice(settings)
    with transaction(settings.database_url) as session:
        before = audit.count(session)
        with audit.savepoint(session):
            _note(session, 1, "kept")
        with pytest.raises(RuntimeError), audit.savepoint(session):
            _note(session, 2, "taken back")
            session.get_one(Invoice, invoice_id).payable = "1.00"  # an audited field
            session.flush()
            raise RuntimeError("this part fails")
    with transaction(settings.database_url) as session:
        added = session.scalars(select(AuditEntry).where(AuditEntry.seq > before)).all()
        assert [(e.action, e.actor) for e in added] == [("test.note", "kept")]
        assert session.get_one(Invoice, invoice_id).payable != "1.00"
    verdict = _verify(settings)
    assert verdict.ok and not verdict.problems, verdict


# ------------------------------------------------------------------ appenders side by side


def _note(session: Session, item_id: int, who: str) -> None:
    audit.append(
        session,
        actor=who, action="test.note", object_type="work_item", object_id=item_id, details={},
    )  # fmt: skip


@pytest.mark.parametrize("backend", ["postgres"])  # SQLite serialises whole transactions
def test_an_appender_holding_rows_does_not_hold_the_chain(settings: Settings) -> None:
    """The first transaction locks item A and appends; the second locks item B, appends and
    commits while the first is still open; then the first locks B too. With the chain locked
    from the first entry on, the second waited for the chain while holding B and the first
    for B: a deadlock. Now the chain is locked only at the commit, after every row."""
    with transaction(settings.database_url) as session:
        a, b = (queue.enqueue(session, step="control", actor="t").id for _ in range(2))
    b_locked, failures = threading.Event(), []

    def second() -> None:
        try:
            with transaction(settings.database_url) as session:
                session.get_one(WorkItem, b, with_for_update=True)
                b_locked.set()
                _note(session, b, "second")
        except Exception as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)
            b_locked.set()

    with session_factory(settings.database_url)() as first, first.begin():
        first.get_one(WorkItem, a, with_for_update=True)
        _note(first, a, "first")
        other = threading.Thread(target=second)
        other.start()
        assert b_locked.wait(timeout=30)
        first.get_one(WorkItem, b, with_for_update=True)  # waits for the second's commit
        _note(first, b, "first")
    other.join(timeout=30)
    assert not other.is_alive() and failures == []
    with transaction(settings.database_url) as session:
        chain = [
            (e.seq, e.actor, e.object_id)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
            if e.action == "test.note"
        ]
    # Places in the chain in the order of the commits, not of the appends.
    head = chain[0][0]
    assert chain == [
        (head, "second", str(b)),
        (head + 1, "first", str(a)),
        (head + 2, "first", str(b)),
    ]
    assert _verify(settings).ok


@pytest.mark.parametrize("backend", ["postgres"])  # SQLite serialises whole transactions
def test_an_entry_naming_a_row_another_transaction_changed_meanwhile_describes_it_as_committed(
    settings: Settings,
) -> None:
    """The first transaction appends an entry naming an invoice it does not change; before
    it commits, a second one changes that invoice's status and commits. The first entry
    comes later in the chain, so its digest must be of the row as the second left it, or
    ``verify`` would report the invoice as changed outside the application."""
    invoice_id, _ = failed_invoice(settings)
    with session_factory(settings.database_url)() as first, first.begin():
        audit.append(
            first,
            actor="user:kari",
            action="invoice.looked_at",
            object_type="invoice",
            object_id=invoice_id,
        )
        with transaction(settings.database_url) as second:
            second.get_one(Invoice, invoice_id).status = "rejected"
    with transaction(settings.database_url) as session:
        assert session.get_one(Invoice, invoice_id).status == "rejected"
    verdict = _verify(settings)
    assert verdict.ok, verdict


def test_concurrent_appenders_form_one_chain(settings: Settings) -> None:
    """Two threads, each 25 transactions of three entries, at once: one chain without gaps
    whose links and anchored heads verify, each transaction's entries next to each other."""
    start = threading.Barrier(2)
    failures: list[Exception] = []

    def appender(who: str) -> None:
        try:
            start.wait(timeout=30)
            for n in range(25):
                with transaction(settings.database_url) as session:
                    for k in range(3):
                        audit.append(
                            session, actor=who, action="test.note", object_type="work_item",
                            object_id=n, details={"k": k},
                        )  # fmt: skip
        except Exception as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=appender, args=(who,)) for who in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    with transaction(settings.database_url) as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        verdict = audit.verify(session, settings.archive / audit_heads.FOLDER)
    assert [e.seq for e in entries] == list(range(1, 151))
    assert [e.prev_hash for e in entries] == [audit.GENESIS] + [e.hash for e in entries[:-1]]
    runs = [entries[i : i + 3] for i in range(0, 150, 3)]
    assert all(
        [(e.actor, e.object_id, e.details["k"]) for e in run]
        == [(run[0].actor, run[0].object_id, k) for k in range(3)]
        for run in runs
    )
    assert sorted((run[0].actor, int(run[0].object_id or 0)) for run in runs) == sorted(
        (who, n) for who in ("one", "two") for n in range(25)
    )
    assert verdict.ok and verdict.anchored_heads == 50, verdict


# ------------------------------------------------------------------ rows written by statement


def _received(settings: Settings, session: Session, number: str) -> int:
    """An invoice inserted by statement (``insert_invoices``), as receipt registers one."""
    digest = hashlib.sha256(number.encode()).hexdigest()
    invoices.record_stored_file(
        session, sha256=digest, size=1, name=f"{number}.xml", path="p", kind="original",
        actor="r",
    )  # fmt: skip
    key_fields = {"document": "Invoice", "number": number, "supplier": {"orgnr": "923609016"},
                  "currency": "NOK", "totals": {"payable": "1250.00"}}  # fmt: skip
    row = invoices.invoice_values(f"{number}.xml", digest, key_fields, "received", None)
    [invoice_id] = invoices.insert_invoices(session, [row], actor="robot:receipt")
    return invoice_id


def _actions(settings: Settings, invoice_id: int) -> list[str]:
    with transaction(settings.database_url) as session:
        query = select(AuditEntry.action).where(
            AuditEntry.object_type == "invoice", AuditEntry.object_id == str(invoice_id)
        )
        return list(session.scalars(query.order_by(AuditEntry.seq)))


def test_a_change_written_by_statement_gets_its_entry_when_the_trail_is_told(
    settings: Settings,
) -> None:
    with transaction(settings.database_url) as session:
        told, untold = _received(settings, session, "1"), _received(settings, session, "2")
    assert _verify(settings).ok
    for invoice_id, tell in ((told, True), (untold, False)):
        with transaction(settings.database_url) as session:
            session.execute(
                text("UPDATE invoices SET status = 'controlled' WHERE id = :id"), {"id": invoice_id}
            )
            if tell:
                fields = audit.row_fields(session.get_one(Invoice, invoice_id))
                session.expunge_all()  # the row is told, not an object of the session
                audit.row_written(session, "invoice", invoice_id, fields)
    assert _actions(settings, told) == ["invoice.received", "invoice.changed"]
    # The untold change is what verify reports: the hook, not luck, keeps the told one right.
    assert _actions(settings, untold) == ["invoice.received"]
    problems = _verify(settings).problems
    assert len(problems) == 1 and f"invoice {untold}" in problems[0], problems


def test_a_statements_row_taken_back_with_its_savepoint_leaves_no_entry(
    settings: Settings,
) -> None:
    with transaction(settings.database_url) as session:
        kept = _received(settings, session, "1")
        with pytest.raises(RuntimeError), audit.savepoint(session):
            _received(settings, session, "2")
            raise RuntimeError("the second registration fails")
    with transaction(settings.database_url) as session:
        assert session.scalars(select(Invoice.id)).all() == [kept]
        entries = session.scalars(select(AuditEntry.object_id).where(
            AuditEntry.object_type == "invoice")).all()  # fmt: skip
    assert entries == [str(kept)]
    assert _verify(settings).ok


def test_the_trail_refuses_a_row_told_without_all_its_audited_fields(settings: Settings) -> None:
    with transaction(settings.database_url) as session, pytest.raises(ValueError, match="status"):
        audit.row_written(session, "invoice", 1, {"status": "controlled"})


def test_a_batch_of_archived_files_is_recorded_once_each_and_audited_in_order(
    settings: Settings,
) -> None:
    # Receipt records a batch's originals in one statement; the same content twice in the
    # batch, or content on record before, is no new file and gets no second entry.
    def file(letter: str, name: str) -> invoices.StoredFileRow:
        return invoices.StoredFileRow(letter * 64, 8, name, f"archive/{letter}", "original")

    with transaction(settings.database_url) as session:
        invoices.record_stored_file(
            session, sha256="a" * 64, size=8, name="a.xml", path="p", kind="original", actor="r"
        )
    batch = [file("c", "c.xml"), file("a", "a-again.xml"), file("b", "b.xml"), file("c", "c2.xml")]
    with transaction(settings.database_url) as session:
        new = invoices.record_stored_files(session, batch, actor="robot:receipt")
    assert new == {"b" * 64, "c" * 64}
    with transaction(settings.database_url) as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "file.archived").order_by(AuditEntry.seq)
        ).all()
        names = {row.sha256[0]: row.first_name for row in session.scalars(select(StoredFile))}
    assert [(e.object_id[0], e.details["name"]) for e in entries] == [
        ("a", "a.xml"),
        ("c", "c.xml"),
        ("b", "b.xml"),
    ]
    assert names == {"a": "a.xml", "b": "b.xml", "c": "c.xml"}
    assert _verify(settings).ok
