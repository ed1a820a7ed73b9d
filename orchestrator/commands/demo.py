"""``kommunerpa demo``: a one-shot demonstration in a fresh demo home."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import click

from orchestrator import services
from orchestrator.config import Settings, load_settings
from orchestrator.embedded_erp import erp_for
from orchestrator.pipeline import prepare, process_once
from orchestrator.samples import broken_files, invoice

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "ehf-conformance" / "examples"


def demo_files() -> list[tuple[str, bytes]]:
    """The official examples when present (else a few generated invoices), plus broken files."""
    if EXAMPLES.is_dir():
        files = [(p.name, p.read_bytes()) for p in sorted(EXAMPLES.iterdir()) if p.is_file()]
        valid = (EXAMPLES / "base-example.xml").read_bytes()
    else:
        files = [(f"faktura-{n}.xml", invoice(f"DEMO-{n}")) for n in range(1, 6)]
        valid = files[0][1]
    return files + [(sample.name, sample.content) for sample in broken_files(valid)]


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
    """Drop the official examples and some broken files in a fresh inbox and receive them."""
    base = load_settings()
    home = home or base.home / "demo"
    if home.exists():
        shutil.rmtree(home)
    with erp_for(demo_settings(base, home), fresh=True) as settings:
        _demo(settings)


def _demo(settings: Settings) -> None:
    prepare(settings)
    files = demo_files()
    for name, content in files:
        (settings.inbox / name).write_bytes(content)
    source = EXAMPLES if EXAMPLES.is_dir() else "generated invoices (official examples not found)"
    click.echo(f"{len(files)} files dropped in {settings.inbox} from {source} and broken samples")
    result = process_once(settings)
    counts = services.summary(settings)
    rows = [("files in the inbox", len(files))]
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
        f"\n  nothing lost: {len(files)} files = {counts['invoices']} invoices "
        f"+ {counts['files_without_invoice']} non-invoice files + {counts['redeliveries']} "
        f"re-deliveries{'' if accounted == len(files) else '  <-- MISMATCH'}"
    )
    for run in result.runs:
        click.echo(f"\nRobot Framework log ({run.robot}, {run.state}): {run.output_dir}/log.html")
    click.echo(
        f"Try: KOMMUNERPA_HOME={settings.home} KOMMUNERPA_DATABASE_URL="
        f"{settings.database_url} kommunerpa exceptions list"
    )
