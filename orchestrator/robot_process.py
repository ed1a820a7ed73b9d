"""Robot processes started warm: forked from a server that has imported their libraries once.

A robot is a process of its own (Robot Framework is not thread safe, and a process can be
stopped whatever it does), but starting ``python -m robot`` cold costs 2–3 s of CPU on a
small server before the first item: Python, Robot Framework, SQLAlchemy, lxml with the EHF
schemas and the keyword libraries are imported again every time. Here each robot is forked
from the standard library's fork server (``multiprocessing``'s ``forkserver``), which
imported them once when the runner started (``warm_up``), so a run pays only for reading
its suite. The robot process is otherwise what it was: its own session (a terminal's Ctrl-C
reaches only the runner), SIGKILLed when its runner dies (``_die_with``), working in the
run's folder with the environment it is given, its console output in a file. The server is
single-threaded, so forking it is safe. A robot that ends (not one killed) leaves its CPU
time and peak memory in the run's folder (``USAGE_FILE``): it is not the runner's child, so
they do not come back with the runner's resources.

How to find a run's robot from outside: it is the process whose working directory is the
run's folder (``is_robot_of``); its command line is the fork server's.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import resource
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path

from orchestrator import collector

#: In a run's folder: ``{"cpu_seconds": …, "peak_rss_kib": …}`` of its robot process.
USAGE_FILE = "usage.json"

#: What every robot imports; the fork server imports it once. ``orchestrator.workitems`` is
#: the queue adapter, ``RPA.Robocorp.WorkItems`` the library the suites use for work items.
#: ``httpcore`` (the ERP client's transport) and ``psycopg`` (the PostgreSQL driver) are
#: imported by their users only when first used, which was in every robot run: 94 and 66 ms
#: of CPU per run on the test machine.
PRELOAD = [
    "robot",
    "robot.running",
    "RPA.Robocorp.WorkItems",
    "orchestrator.robotlib",
    "orchestrator.workitems",
    "tasks.receipt.keywords",
    "tasks.control.keywords",
    "tasks.matching.keywords",
    "tasks.posting.keywords",
    "httpcore",
    "psycopg",
]


def _server() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)  # read when the server starts, once
    return context


def warm_up() -> None:
    """Start the fork server now, so its imports run beside the runner's own start-up rather
    than before the first robot."""
    from multiprocessing import forkserver

    _server()
    forkserver.ensure_running()


def shut_down() -> None:
    """End the fork server, once this process's robots have ended, and wait for it: no server
    outlives its runner, and what its robots used comes back to this process as its
    children's resources (``/usr/bin/time``, the pipeline benchmark). ``_stop`` is CPython's
    own way to do it (its tests use it); the server also ends by itself when this process
    does, then without handing its robots' figures back."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


class RobotProcess:
    """A started robot, with the part of ``subprocess.Popen``'s interface the runner uses."""

    def __init__(self, process: multiprocessing.process.BaseProcess) -> None:
        self._process = process

    @property
    def pid(self) -> int:
        """The robot's process id."""
        return int(self._process.pid or 0)

    @property
    def returncode(self) -> int | None:
        """Its exit status (negative: the signal that ended it); ``None`` while it runs."""
        return self._process.exitcode

    def poll(self) -> int | None:
        """``returncode``, without waiting."""
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the robot to end; ``subprocess.TimeoutExpired`` after ``timeout``."""
        self._process.join(timeout)
        code = self.returncode
        if code is None:
            raise subprocess.TimeoutExpired(f"robot {self.pid}", timeout or 0)
        return code

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` unless the robot has ended."""
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):  # ended just now: ``wait`` sees it
                os.kill(self.pid, signum)

    def kill(self) -> None:
        """SIGKILL the robot."""
        self.send_signal(signal.SIGKILL)


def start(arguments: list[str], *, env: dict[str, str], cwd: Path, console: Path) -> RobotProcess:
    """Start ``robot <arguments>`` in ``cwd`` with exactly ``env``, its output in ``console``."""
    process = _server().Process(
        target=_run_robot,
        args=(arguments, env, str(cwd), str(console), os.getpid()),
        name=f"robot:{cwd.name}",
        daemon=True,
    )
    process.start()
    return RobotProcess(process)


def is_robot_of(pid: int, run_folder: Path) -> bool:
    """True when process ``pid`` is the robot working in ``run_folder`` (pids are reused)."""
    return working_folder(pid) == run_folder.resolve()


def working_folder(pid: int) -> Path | None:
    """Process ``pid``'s working folder (a robot's is its run's), ``None`` if unreadable."""
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:
        return None


def _run_robot(
    arguments: list[str], env: dict[str, str], cwd: str, console: str, runner: int
) -> None:
    """In the forked robot: become what ``python -m robot`` started by the runner was."""
    os.setsid()
    _die_with(runner)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    output = os.open(console, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    collector.collect_less_often()
    from robot import run_cli

    code = run_cli(arguments, exit=False)
    _write_usage(Path(USAGE_FILE))
    sys.exit(code)


def _write_usage(path: Path) -> None:
    used = resource.getrusage(resource.RUSAGE_SELF)
    figures = {"cpu_seconds": used.ru_utime + used.ru_stime, "peak_rss_kib": used.ru_maxrss}
    path.write_text(json.dumps(figures), encoding="utf-8")


def usage_of(run_folder: Path) -> dict[str, float] | None:
    """What the robot of the run in ``run_folder`` spent, when it ended by itself."""
    try:
        return json.loads((run_folder / USAGE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _die_with(runner: int) -> None:
    """SIGKILL this robot when process ``runner`` ends, so a killed runner leaves no robot
    holding items. ``PR_SET_PDEATHSIG`` would watch the fork server, which lives on while any
    process it forked does; a pidfd names the runner itself, and no later process with its
    number."""
    try:
        runner_fd = os.pidfd_open(runner)
    except ProcessLookupError:  # it died while this robot was being forked
        os.kill(os.getpid(), signal.SIGKILL)
        return

    def watch() -> None:
        select.select([runner_fd], [], [])  # readable once the runner has ended
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="die-with-runner", daemon=True).start()
