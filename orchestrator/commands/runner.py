"""``kommunerpa runner``: take work items from the shared queue on this machine, no schedule."""

from __future__ import annotations

import signal
import threading

import click
from sqlalchemy import make_url

from orchestrator import collector, db, robot_process, robot_work, schedules
from orchestrator import runner as robot_runner
from orchestrator.commands import ready_settings
from orchestrator.config import Settings
from orchestrator.daemon import configure_logging
from orchestrator.pass_report import run_line

#: While the step before is at work, a step looks for new items this often (seconds): the
#: steps of one runner work side by side, each in its own robot process, not in turn.
FOLLOW_SECONDS = 1.0


def work_queue(settings: Settings, stopping: threading.Event) -> None:
    """Run each robot in a thread of its own until ``stopping`` is set: whenever its step
    has ready items, and looked for every ``poll_seconds``, or every ``FOLLOW_SECONDS``
    while the step before it is at work. Paused and stopped robots are skipped."""
    at_work: set[str] = set()
    threads = [
        threading.Thread(
            target=_work_step, args=(settings, robot, stopping, at_work), name=f"runner {robot}"
        )
        for robot in schedules.ROBOTS
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _work_step(
    settings: Settings, robot: str, stopping: threading.Event, at_work: set[str]
) -> None:
    index = schedules.ROBOTS.index(robot)
    before = schedules.ROBOTS[index - 1] if index else None
    while not stopping.is_set():
        at_work.add(robot)
        try:
            robot_work.work_robot(
                settings,
                robot,
                schedules.load(settings.home)[robot],
                stopping=stopping.is_set,
                on_run=lambda run: click.echo(run_line(run)),
            )
        finally:
            at_work.discard(robot)
        waited = 0.0
        while waited < settings.poll_seconds and not stopping.wait(FOLLOW_SECONDS):
            waited += FOLLOW_SECONDS
            if before in at_work:
                break


@click.command()
def runner() -> None:
    """Run the robots for whatever the shared queue holds, on this machine, until Ctrl-C.

    Start one on every machine that should share the work (same database and home folder).
    Robots paused or stopped with `kommunerpa robots` are skipped here too."""
    configure_logging()
    settings = ready_settings()
    try:
        schedules.load(settings.home)
    except schedules.ScheduleError as error:
        raise click.ClickException(str(error)) from None
    db.warn_if_autovacuum_off(settings.database_url)
    robot_process.warm_up()  # the robots' imports, beside this process's own start-up
    collector.collect_less_often()
    stopping = threading.Event()
    me = robot_runner.runner_name()

    def stop(_signum: int, _frame: object) -> None:
        stopping.set()
        threading.Thread(target=robot_work.ask_runs_to_stop, args=(settings, me)).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # The robots run from a worker thread: the main thread stays free for the signals.
    worker = threading.Thread(target=work_queue, args=(settings, stopping), name="runner")
    worker.start()
    database = make_url(settings.database_url).render_as_string(hide_password=True)
    click.echo(f"Runner {me} takes work from {database} (Ctrl-C stops)")
    while worker.is_alive() and not stopping.is_set():
        worker.join(0.5)
    robot_work.end_robots(worker.is_alive, robot_work.SHUTDOWN_GRACE_SECONDS)
    if not worker.is_alive():  # its robots have ended (the fork server waits for them)
        robot_process.shut_down()
    click.echo("runner stopped")
