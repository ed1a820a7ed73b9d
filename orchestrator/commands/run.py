"""``kommunerpa run`` (``make run``): the whole system in the foreground until Ctrl-C.

The ERP stub when no ERP is configured (demo data), the scheduler daemon, and the control
room (``kommunerpa serve``); Ctrl-C or SIGTERM stops all of them.
"""

from __future__ import annotations

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


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Control room address.")
@click.option("--port", default=8000, show_default=True, type=int, help="Control room port.")
def run(host: str, port: int) -> None:
    """Run the robots on their schedules, with the ERP stub and the control room, until Ctrl-C.

    With no ERP configured (KOMMUNERPA_ERP_URL unset and nothing on the default address) the
    ERP stub is started on the default address with the demo data."""
    daemon.configure_logging()
    try:
        with erp_for(ready_settings()) as settings, control_room(settings, host, port):
            _banner(settings, f"http://{host}:{port}/login")
            daemon.serve(settings, on_run=lambda run: click.echo(run_line(run)))
    except schedules.ScheduleError as error:
        raise click.ClickException(str(error)) from None
    click.echo("stopped")


def _banner(settings: Settings, control_room_url: str) -> None:
    schedules.ensure_file(settings.home)
    click.echo(
        f"Kommune-RPA is running (Ctrl-C stops). Drop EHF files in {settings.inbox}\n"
        f"  ERP:          {settings.erp_url}\n"
        f"  schedules:    {schedules.path_for(settings.home)}\n"
        f"  control room: {control_room_url}\n"
        f"  robot logs:   {settings.runs}\n"
        f"  robots:       kommunerpa robots status | run NAME | pause NAME | stop NAME …\n"
        f"  exceptions:   kommunerpa exceptions list --open"
    )


@contextmanager
def control_room(settings: Settings, host: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """``kommunerpa serve`` as a child process while the block runs."""
    command = [*_cli_command(), "serve", "--host", host, "--port", str(port)]
    env = {
        **os.environ,
        "KOMMUNERPA_HOME": str(settings.home),
        "KOMMUNERPA_DATABASE_URL": settings.database_url,
        "KOMMUNERPA_ERP_URL": settings.erp_url,
    }
    process = subprocess.Popen(command, env=env)
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


def _cli_command() -> list[str]:
    """This installation's ``kommunerpa``: the console script beside the interpreter, else the
    module through this interpreter."""
    console = Path(sys.executable).with_name("kommunerpa")
    if console.exists():
        return [str(console)]
    return [sys.executable, "-c", "from orchestrator.cli import main; main()"]
