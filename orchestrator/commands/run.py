"""``kommunerpa run``: the long-running system (the APScheduler daemon in the foreground)."""

from __future__ import annotations

import click

from orchestrator.config import Settings, load_settings
from orchestrator.daemon import serve
from orchestrator.embedded_erp import erp_for
from orchestrator.pass_report import describe
from orchestrator.pipeline import PassResult


@click.command()
def run() -> None:
    """Process the inbox as files arrive, until Ctrl-C or SIGTERM.

    With no ERP configured (KOMMUNERPA_ERP_URL unset and nothing on the default address) the
    ERP stub is started on the default address with the demo data, and restarted if it dies."""
    with erp_for(load_settings()) as settings:
        _serve(settings)


def _serve(settings: Settings) -> None:
    last: list[str] = []

    def report(result: PassResult) -> None:
        # Each pass that did something is reported; an unchanged wait only once.
        text = describe(settings, result)
        if result.files_claimed or result.runs or [text] != last:
            click.echo(f"{result.files_claimed} file(s) taken.\n{text}")
        last[:] = [text]

    click.echo(
        f"Kommune-RPA is running. Drop EHF files in {settings.inbox}\n"
        f"(checked every {settings.poll_seconds} s; Ctrl-C stops). Data: {settings.home}\n"
        f"ERP: {settings.erp_url}"
    )
    serve(settings, on_pass=report)
    click.echo("stopped")
