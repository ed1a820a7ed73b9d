"""``kommunerpa scheduler``: the scheduler daemon alone (as ``python scheduler.py``)."""

from __future__ import annotations

import click

from orchestrator import daemon, schedules
from orchestrator.config import load_settings


@click.command()
def scheduler() -> None:
    """Run the robots on their schedules ($KOMMUNERPA_HOME/robots.toml) until SIGTERM/Ctrl-C.

    A second daemon on the same database stands by and takes over when the first stops."""
    daemon.configure_logging()
    try:
        daemon.serve(load_settings())
    except schedules.ScheduleError as error:
        raise click.ClickException(str(error)) from None
