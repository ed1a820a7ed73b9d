"""``kommunerpa runs list``."""

from __future__ import annotations

import click

from orchestrator import services
from orchestrator.commands import OSLO, ready_settings


@click.group()
def runs() -> None:
    """Robot runs and where their logs are."""


@runs.command("list")
def list_() -> None:
    """Robot runs, newest first (times in Europe/Oslo), with why a run did not pass."""
    for run in services.list_runs(ready_settings()):
        started = run.started_at.astimezone(OSLO).strftime("%Y-%m-%d %H:%M:%S %Z")
        click.echo(
            f"{run.id:>5}  {run.robot:<10} {run.state:<9} {started}  "
            f"done {run.items_done:<4} failed {run.items_failed:<4} {run.output_dir}/log.html"
        )
        if run.outcome:
            click.echo(f"{'':>7}{run.outcome}")
