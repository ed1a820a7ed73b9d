"""``kommunerpa process``: one pass of the pipeline's robots over the inbox, then exit.

Exit status: 0 when the pass ran (items may have become exceptions: the report lists them);
1 when part of it could not run (the ERP does not answer, a robot failed by itself);
128 + the signal number when SIGTERM or Ctrl-C stopped it (the held items are back in the
queue, uncharged).
"""

from __future__ import annotations

import signal

import click

from orchestrator import runner
from orchestrator.commands import ready_settings
from orchestrator.embedded_erp import erp_for
from orchestrator.pass_report import describe
from orchestrator.pipeline import process_once


@click.command()
@click.option(
    "--once", is_flag=True, help="Accepted for compatibility; a single pass is what it does."
)
def process(once: bool) -> None:
    """Claim the inbox and run the pipeline's robots once (`run` keeps going).

    \b
    Exit status: 0 the pass ran (exceptions are listed), 1 part of it could not
    run (the ERP does not answer, a robot failed), 128+N stopped by signal N."""
    with runner.stop_on_signals(), erp_for(ready_settings()) as settings:
        result = process_once(settings)
        click.echo(f"{result.files_claimed} file(s) taken from {settings.inbox}")
        click.echo(describe(settings, result))
    if result.stopped_by is not None:
        click.echo(f"stopped by {signal.Signals(result.stopped_by).name}", err=True)
        raise SystemExit(128 + result.stopped_by)
    if result.could_not_run:
        click.echo("could not run: " + "; ".join(result.could_not_run), err=True)
        raise SystemExit(1)
