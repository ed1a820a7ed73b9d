"""``kommunerpa run``: the long-running system (the APScheduler daemon in the foreground)."""

from __future__ import annotations

import click

from orchestrator.commands.process import describe
from orchestrator.config import load_settings
from orchestrator.daemon import serve
from orchestrator.pipeline import PassResult


@click.command()
def run() -> None:
    """Process the inbox as files arrive, until Ctrl-C or SIGTERM."""
    settings = load_settings()

    def report(result: PassResult) -> None:
        if result.files_claimed or result.runs:
            click.echo(f"{result.files_claimed} file(s) taken. {describe(result)}")

    click.echo(
        f"Kommune-RPA is running. Drop EHF files in {settings.inbox}\n"
        f"(checked every {settings.poll_seconds} s; Ctrl-C stops). Data: {settings.home}"
    )
    serve(settings, on_pass=report)
    click.echo("stopped")
