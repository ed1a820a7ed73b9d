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
from orchestrator.embedded_erp import embeds, erp_for
from orchestrator.pass_report import run_line


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Control room address.")
@click.option("--port", default=8000, show_default=True, type=int, help="Control room port.")
def run(host: str, port: int) -> None:
    """Run the robots on their schedules, with the ERP stub and the control room, until Ctrl-C.

    With no ERP configured (KOMMUNERPA_ERP_URL unset and nothing on the default address) the
    ERP stub is started on the default address with the demo data, and the first start creates
    the demo's users (an admin, operators, an auditor) and prints their logins once; with an ERP
    of its own, the first start creates an admin and prints its password once."""
    daemon.configure_logging()
    settings = ready_settings()
    # The first users before the control room starts (it would make an admin of its own).
    logins = _first_logins(settings, demo=embeds(settings))
    try:
        with erp_for(settings) as settings, control_room(settings, host, port):
            _banner(settings, f"http://{host}:{port}/login", logins)
            daemon.serve(settings, on_run=lambda run: click.echo(run_line(run)))
    except schedules.ScheduleError as error:
        raise click.ClickException(str(error)) from None
    click.echo("stopped")


def _banner(settings: Settings, control_room_url: str, logins: str) -> None:
    """Where to look: the inbox, the control room and its logins, the ERP, the schedules, the
    logs and the commands."""
    schedules.ensure_file(settings.home)
    click.echo(
        f"Kommune-RPA is running (Ctrl-C stops). Drop EHF files in {settings.inbox}\n"
        f"  control room: {control_room_url}\n"
        f"  ERP:          {settings.erp_url}\n"
        f"  schedules:    {schedules.path_for(settings.home)}\n"
        f"  robot logs:   {settings.runs}\n"
        f"  robots:       kommunerpa robots status | run NAME | pause NAME | stop NAME …\n"
        f"  exceptions:   kommunerpa exceptions list --open"
    )
    click.echo(logins)


def _first_logins(settings: Settings, *, demo: bool) -> str:
    """Create the first users when there are none; their logins, to print once. The demo's
    people when the ERP is the embedded stub with the demo data (Kari Nordmann is its named
    approver), otherwise an admin, who adds the real people."""
    # Here: the password hasher is loaded only by the commands that need it.
    from orchestrator import users
    from orchestrator.commands.users import demo_logins_text, first_admin_text

    if demo:
        if logins := users.demo_logins(settings):
            return demo_logins_text(logins)
    elif (password := users.bootstrap_admin(settings)) is not None:
        return first_admin_text(password)
    return "  logins:       the users made at the first start (kommunerpa users list)"


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
