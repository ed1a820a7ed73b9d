"""``kommunerpa process --once``: run the pipeline's robots once over the inbox."""

from __future__ import annotations

import click

from orchestrator.commands import ready_settings
from orchestrator.embedded_erp import erp_for
from orchestrator.models import Run
from orchestrator.pipeline import PassResult, process_once


def describe(result: PassResult) -> str:
    """One line per run: robot, result, counts, log."""
    if not result.runs:
        return "nothing to do: the inbox and the queues are empty"
    return "\n".join(describe_run(run) for run in result.runs)


def describe_run(run: Run) -> str:
    """A run in one line: robot, result, counts, log."""
    return (
        f"{run.robot}: {run.state} (run {run.id}, {run.items_done} done, "
        f"{run.items_failed} failed) log: {run.output_dir}/log.html"
    )


@click.command()
@click.option("--once", is_flag=True, required=True, help="Run each robot once, then exit.")
def process(once: bool) -> None:
    """Claim the inbox and run the pipeline's robots once."""
    with erp_for(ready_settings()) as settings:
        result = process_once(settings)
    click.echo(f"{result.files_claimed} file(s) taken from {settings.inbox}")
    click.echo(describe(result))
