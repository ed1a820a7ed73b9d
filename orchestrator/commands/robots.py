"""``kommunerpa robots list|status|start|stop|pause|resume|run``: staff control of the robots.

Works from any shell on any machine that reaches the database: the command writes what the
person wants, the active scheduler daemon applies it within seconds (no restart).
"""

from __future__ import annotations

import dataclasses
import getpass
import json
from datetime import datetime

import click

from orchestrator import robots as service
from orchestrator.commands import OSLO, ready_settings


def _when(moment: datetime | None) -> str:
    return moment.astimezone(OSLO).strftime("%Y-%m-%d %H:%M:%S %Z") if moment else "-"


def _json(value: object) -> str:
    return json.dumps(value, default=lambda v: v.isoformat(), ensure_ascii=False, indent=2)


def _last_run(state: service.RobotState) -> str:
    if state.last_run_id is None:
        return "never"
    return f"run {state.last_run_id} {state.last_run_state} {_when(state.last_run_at)}"


@click.group()
def robots() -> None:
    """Start, stop, pause, resume and run the robots; see their schedules and state."""


@robots.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(as_json: bool) -> None:
    """Each robot, its state and its schedule."""
    states = service.robot_states(ready_settings())
    if as_json:
        click.echo(_json([dataclasses.asdict(s) for s in states]))
        return
    for state in states:
        click.echo(f"{state.name:<9} {state.state:<8} {state.schedule}")


@robots.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(as_json: bool) -> None:
    """Whether the scheduler daemon is alive; each robot's last and next run (Europe/Oslo)."""
    settings = ready_settings()
    daemon = service.daemon_status(settings)
    states = service.robot_states(settings)
    if as_json:
        click.echo(
            _json(
                {
                    "daemon": dataclasses.asdict(daemon),
                    "robots": [dataclasses.asdict(s) for s in states],
                }
            )
        )
        return
    if daemon.alive:
        click.echo(
            f"Scheduler daemon: alive, {daemon.role} ({daemon.host_pid}), "
            f"last heartbeat {_when(daemon.last_heartbeat_at)}"
        )
    else:
        seen = f", last seen {daemon.host_pid} at {_when(daemon.last_heartbeat_at)}"
        click.echo(f"Scheduler daemon: NOT RUNNING{seen if daemon.host_pid else ''}")
    click.echo(f"{'robot':<9} {'state':<8} {'last run':<42} {'next run':<24} schedule")
    for state in states:
        flags = " (stop requested)" if state.stop_requested and state.state == "running" else ""
        click.echo(
            f"{state.name:<9} {state.state:<8} {_last_run(state):<42} "
            f"{_when(state.next_run_at):<24} {state.schedule}{flags}"
        )


_EXPLAIN = {
    "start": "{name} may run again on its schedule.",
    "stop": "{name} finishes the work item it has and takes no more; start it again with "
    "`kommunerpa robots start {name}`.",
    "pause": "{name}'s schedule will not fire until `kommunerpa robots resume {name}`.",
    "resume": "{name} runs on its schedule again.",
    "run": "{name} starts within seconds (when a scheduler daemon is running).",
}


def _action(action: str) -> click.Command:
    @click.command(action, help=f"{action.capitalize()} robot NAME (an audit entry names you).")
    @click.argument("name")
    @click.option(
        "--user", default=getpass.getuser, show_default="your login name", help="Who does this."
    )
    def command(name: str, user: str) -> None:
        try:
            state = service.control_robot(ready_settings(), name, action, user=user)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"{state.name}: {state.state}. {_EXPLAIN[action].format(name=state.name)}")

    return command


for _name in service.ACTIONS:
    robots.add_command(_action(_name))
