"""``kommunerpa chaos``: the pipeline under random kills and ERP faults, then an account of
every invoice (``orchestrator.chaos_run``).

Exit status: 0 when every file is accounted for, nothing is twice, the audit chain and the
archive are intact; 1 otherwise.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from pathlib import Path

import click

from orchestrator import chaos_run


@click.command()
@click.option("--invoices", default=1000, show_default=True, type=click.IntRange(1))
@click.option(
    "--seconds", default=300.0, show_default=True, type=click.FloatRange(1), help="Chaos time."
)
@click.option("--seed", type=int, help="Seed of the kills and faults (default: random, printed).")
@click.option("--runners", default=2, show_default=True, type=click.IntRange(1))
@click.option(
    "--database", "database_url", help="An EMPTY database to use (default: SQLite in the home)."
)
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    help="A new folder to work in (default: a temporary one, removed when all is well).",
)
@click.option(
    "--settle-seconds",
    default=600.0,
    show_default=True,
    type=click.FloatRange(1),
    help="At most this long for the queue to empty after the chaos.",
)
@click.option("--json", "as_json", is_flag=True, help="End with the figures as one JSON object.")
def chaos(
    invoices: int,
    seconds: float,
    seed: int | None,
    runners: int,
    database_url: str | None,
    home: Path | None,
    settle_seconds: float,
    as_json: bool,
) -> None:
    """Process INVOICES generated invoices with RUNNERS runners and the daemon while killing
    them (SIGKILL) and breaking the ERP for SECONDS, then check every file is one invoice in
    a final state or an open exception, no voucher is in the ERP twice, the audit chain holds.

    \b
    Exit status: 0 all accounted for, 1 something lost, doubled or broken."""
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    workdir = home or Path(tempfile.mkdtemp(prefix="kommunerpa-chaos-"))
    if home is not None and home.exists() and any(home.iterdir()):
        raise click.ClickException(f"{home} is not empty: give a new folder")
    config = chaos_run.ChaosConfig(
        home=workdir.resolve(),
        invoices=invoices,
        seconds=seconds,
        seed=seed,
        runners=runners,
        database_url=database_url,
        settle_seconds=settle_seconds,
    )
    try:
        result = chaos_run.run(config, log=lambda line: click.echo(line, err=as_json))
    except chaos_run.ChaosError as error:
        raise click.ClickException(str(error)) from None
    figures = result.figures()
    for line in summary(figures):
        click.echo(line, err=as_json)
    if result.ok and home is None:
        shutil.rmtree(workdir, ignore_errors=True)
    elif not result.ok:
        click.echo(f"kept for a look: {workdir}", err=True)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
    if not result.ok:
        raise SystemExit(1)


def summary(figures: dict) -> list[str]:
    """The figures as lines a person reads."""
    lines = [
        f"seed {figures['seed']}: {figures['invoices']} invoices, "
        f"{figures['chaos_seconds']:g} s of chaos, {figures['elapsed_seconds']:g} s in all "
        f"(settled in {figures['settle_seconds']:g} s)"
        if figures["settled"]
        else f"seed {figures['seed']}: NOT settled within the settle time",
        f"kills survived: {figures['kills']} "
        + _by(figures["kills_by_target"])
        + f"; services restarted {figures['restarts']} times",
        f"ERP faults injected: {figures['faults']} " + _by(figures["faults_by_kind"]),
        f"invoices made: {figures['invoices_made']} " + _by(figures.get("by_status", {})),
        "open exceptions: " + (_by(figures.get("open_exceptions_by_code", {})) or "none"),
        f"ERP vouchers: {figures.get('erp_vouchers', 0)}, "
        f"not recorded here: {figures.get('erp_mismatches', 0)}",
        f"lost: {figures['lost']}, duplicates: {figures['duplicates']}, "
        f"audit chain intact: {figures['audit_intact']}, archive intact: "
        f"{figures['archive_intact']}",
    ]
    for name, examples in figures.get("problems", {}).items():
        lines.append(f"  {name}: {', '.join(map(str, examples))}")
    lines.append("OK" if figures["ok"] else "FAILED")
    return lines


def _by(counts: dict[str, int]) -> str:
    return "(" + ", ".join(f"{k} {v}" for k, v in counts.items()) + ")" if counts else ""
