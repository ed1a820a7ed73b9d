"""``kommunerpa run`` (``make run``): the whole system in the foreground until Ctrl-C.

The ERP stub when no ERP is configured (demo data), the scheduler daemon, and the control
room (``kommunerpa serve``) when it is installed; Ctrl-C or SIGTERM stops all of them.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from orchestrator import daemon, schedules
from orchestrator.commands import ready_settings
from orchestrator.config import Settings
from orchestrator.embedded_erp import erp_for
from orchestrator.pass_report import run_line

log = logging.getLogger(__name__)
CONTROL_ROOM_MODULE = "orchestrator.web"


@click.command()
def run() -> None:
    """Run the robots on their schedules, with the ERP stub and the control room, until Ctrl-C.

    With no ERP configured (KOMMUNERPA_ERP_URL unset and nothing on the default address) the
    ERP stub is started on the default address with the demo data."""
    daemon.configure_logging()
    try:
        with erp_for(ready_settings()) as settings, control_room(settings):
            _banner(settings)
            daemon.serve(settings, on_run=lambda run: click.echo(run_line(run)))
    except schedules.ScheduleError as error:
        raise click.ClickException(str(error)) from None
    click.echo("stopped")


def _banner(settings: Settings) -> None:
    schedules.ensure_file(settings.home)
    click.echo(
        f"Kommune-RPA is running (Ctrl-C stops). Drop EHF files in {settings.inbox}\n"
        f"  ERP:         {settings.erp_url}\n"
        f"  schedules:   {schedules.path_for(settings.home)}\n"
        f"  robot logs:  {settings.runs}\n"
        f"  robots:      kommunerpa robots status | run NAME | pause NAME | stop NAME …\n"
        f"  exceptions:  kommunerpa exceptions list --open"
    )


@contextmanager
def control_room(settings: Settings) -> Iterator[subprocess.Popen[bytes] | None]:
    """``kommunerpa serve`` as a child process while the block runs, when it is installed."""
    command = _serve_command()
    if command is None:
        log.info("no control room (%s is not installed): skipped", CONTROL_ROOM_MODULE)
        yield None
        return
    env = {
        **os.environ,
        "KOMMUNERPA_HOME": str(settings.home),
        "KOMMUNERPA_DATABASE_URL": settings.database_url,
        "KOMMUNERPA_ERP_URL": settings.erp_url,
    }
    process = subprocess.Popen(command, env=env)
    click.echo("  control room: starting (`kommunerpa serve` prints its address)")
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _serve_command() -> list[str] | None:
    if importlib.util.find_spec(CONTROL_ROOM_MODULE) is None:
        return None
    from orchestrator.cli import cli  # here: the CLI imports this module

    if "serve" not in cli.commands:
        return None
    console = Path(sys.executable).with_name("kommunerpa")
    if console.exists():
        return [str(console), "serve"]
    return [sys.executable, "-c", "from orchestrator.cli import main; main()", "serve"]
