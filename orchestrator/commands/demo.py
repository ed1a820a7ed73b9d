"""``kommunerpa demo``: a one-shot demonstration in a fresh demo home, against a fresh ERP stub.

Day 1 brings the official examples, broken and hostile files and generated scenarios; day 2
a credit note; day 3 a later delivery. Each day is one ``process --once`` pass over the whole
pipeline. The summary shows what became of every file.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import click

from orchestrator import services
from orchestrator.config import Settings, load_settings
from orchestrator.demo_scenarios import scenarios
from orchestrator.embedded_erp import erp_for
from orchestrator.outbox import outbox_dir
from orchestrator.pipeline import PassResult, prepare, process_once
from orchestrator.responses import list_responses
from orchestrator.samples import broken_files, invoice

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "ehf-conformance" / "examples"


def day_one_files() -> list[tuple[str, bytes]]:
    """The official examples when present (else a few generated invoices), broken files and
    the first day's scenarios."""
    if EXAMPLES.is_dir():
        files = [(p.name, p.read_bytes()) for p in sorted(EXAMPLES.iterdir()) if p.is_file()]
        valid = (EXAMPLES / "base-example.xml").read_bytes()
    else:
        files = [(f"faktura-{n}.xml", invoice(f"DEMO-{n}")) for n in range(1, 6)]
        valid = files[0][1]
    files += [(sample.name, sample.content) for sample in broken_files(valid)]
    return files + [(s.file, s.content) for s in scenarios() if s.day == 1]


def demo_settings(base: Settings, home: Path) -> Settings:
    """The demo's own home and SQLite database, whatever the environment points at."""
    return replace(base, home=home.resolve(), database_url=f"sqlite:///{home.resolve()}/demo.db")


@click.command()
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    help="Demo home, emptied first (default: $KOMMUNERPA_HOME/demo).",
)
def demo(home: Path | None) -> None:
    """Three days of invoices through receipt, control, matching and posting, then a summary."""
    base = load_settings()
    home = home or base.home / "demo"
    if home.exists():
        shutil.rmtree(home)
    with erp_for(demo_settings(base, home), fresh=True) as settings:
        prepare(settings)
        click.echo(f"ERP stub with the demo data set: {settings.erp_url}")
        day_one = day_one_files()
        source = EXAMPLES if EXAMPLES.is_dir() else "generated invoices"
        click.echo(f"Day 1: {len(day_one)} files from {source}, broken samples and scenarios")
        runs = _deliver(settings, day_one)
        delivered = len(day_one)
        for day, what in ((2, "a credit note"), (3, "a later delivery")):
            files = [(s.file, s.content) for s in scenarios() if s.day == day]
            click.echo(f"Day {day}: {what}")
            runs += _deliver(settings, files)
            delivered += len(files)
        _summary(settings, delivered)
        _scenario_table(settings)
        _responses(settings)
    click.echo()
    for run in runs:
        click.echo(f"Robot Framework log ({run.robot}, {run.state}): {run.output_dir}/log.html")
    click.echo(
        f"\nTry: export KOMMUNERPA_HOME={settings.home} "
        f"KOMMUNERPA_DATABASE_URL={settings.database_url}\n"
        "     kommunerpa exceptions list --open; kommunerpa invoices approve ID --user NAME"
    )


def _deliver(settings: Settings, files: list[tuple[str, bytes]]) -> list:
    for name, content in files:
        (settings.inbox / name).write_bytes(content)
    result: PassResult = process_once(settings)
    return result.runs


def _summary(settings: Settings, delivered: int) -> None:
    counts = services.summary(settings)
    rows = [("files delivered", delivered)]
    rows += [
        (f"invoices {status}", n) for status, n in sorted(counts["invoices_by_status"].items())
    ]
    rows += [(f"exception {code}", n) for code, n in sorted(counts["exceptions_by_code"].items())]
    rows.append(("byte-identical re-deliveries (ignored)", counts["redeliveries"]))
    width = max(len(label) for label, _ in rows)
    click.echo()
    for label, n in rows:
        click.echo(f"  {label:<{width}}  {n:>4}")
    accounted = counts["invoices"] + counts["files_without_invoice"] + counts["redeliveries"]
    click.echo(
        f"\n  nothing lost: {delivered} files = {counts['invoices']} invoices "
        f"+ {counts['files_without_invoice']} non-invoice files + {counts['redeliveries']} "
        f"re-deliveries{'' if accounted == delivered else '  <-- MISMATCH'}"
    )


def _scenario_table(settings: Settings) -> None:
    by_file = {row["file"]: row for row in services.list_invoices(settings)}
    click.echo("\n  Generated scenarios:")
    for scenario in scenarios():
        row = by_file.get(scenario.file)
        if row is None:
            click.echo(f"  {scenario.file:<38} (not received)")
            continue
        codes = ", ".join(e["code"] for e in row["exceptions"] if e["state"] == "open")
        detail = codes or (f"voucher {row['voucher_id']}" if row["voucher_id"] else "")
        if row["status"] == "awaiting_approval":
            detail = f"approver {row['approver']}"
        click.echo(f"  {scenario.file:<38} {row['status']:<18} {detail}")
        click.echo(f"  {'':<38} expected: {scenario.expected}")


def _responses(settings: Settings) -> None:
    """The Invoice Responses the passes wrote to the outbox, by answer, and per scenario."""
    rows = list_responses(settings)
    by_answer = Counter(
        (r["state"], "/".join(c for c in (r["status"], r["reason"], r["action"]) if c))
        for r in rows
    )
    click.echo(f"\n  Invoice Responses (T111) in {outbox_dir(settings)}:")
    for (state, codes), n in sorted(by_answer.items()):
        click.echo(f"  {codes:<14} {state:<14} {n:>4}")
    by_invoice = {row["id"]: row["file"] for row in services.list_invoices(settings)}
    scenario_files = {s.file for s in scenarios()}
    for row in rows:
        if by_invoice.get(row["invoice_id"]) in scenario_files:
            codes = "/".join(c for c in (row["status"], row["reason"], row["action"]) if c)
            click.echo(f"  {by_invoice[row['invoice_id']]:<38} {codes:<14} {row['file']}")
