"""``kommunerpa run``: the long-running system (the APScheduler daemon in the foreground)."""

from __future__ import annotations

import click

from orchestrator.commands.process import describe
from orchestrator.config import Settings, load_settings
from orchestrator.daemon import serve
from orchestrator.embedded_erp import erp_for
from orchestrator.pipeline import PassResult


@click.command()
def run() -> None:
    """Process the inbox as files arrive, until Ctrl-C or SIGTERM.

    With no ERP configured (KOMMUNERPA_ERP_URL unset and nothing on the default address) the
    ERP stub is started on the default address with the demo data."""
    with erp_for(load_settings()) as settings:
        _serve(settings)


def _serve(settings: Settings) -> None:
    def report(result: PassResult) -> None:
        if result.files_claimed or result.runs:
            click.echo(f"{result.files_claimed} file(s) taken. {describe(result)}")

    click.echo(
        f"Kommune-RPA is running. Drop EHF files in {settings.inbox}\n"
        f"(checked every {settings.poll_seconds} s; Ctrl-C stops). Data: {settings.home}\n"
        f"ERP: {settings.erp_url}"
    )
    serve(settings, on_pass=report)
    click.echo("stopped")
