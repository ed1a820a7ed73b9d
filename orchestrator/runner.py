"""Start a robot as its own ``python -m robot`` process and record the run.

Robot Framework is not thread safe, and a separate process can be stopped with SIGTERM and
still write its log: the first SIGTERM asks Robot Framework to stop gracefully, which it does
after the current keyword, writing output.xml, log.html and report.html to the run's folder.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from orchestrator import queue, runs
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import Run

ROBOTS_DIR = Path(__file__).resolve().parents[1] / "robots"
ADAPTER = "orchestrator.workitems.QueueAdapter"
#: After a run's time limit and SIGTERM, how long a robot may take to write its log.
KILL_AFTER_SECONDS = 30

# Robot processes this process started and that are still running, so a daemon (whose jobs
# run in worker threads, where signal handlers cannot be set) can stop them on shutdown.
_live: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()


def stop_all(signum: int = signal.SIGTERM) -> int:
    """Ask every running robot of this process to stop gracefully; return how many."""
    with _live_lock:
        processes = list(_live)
    for process in processes:
        process.send_signal(signum)
    return len(processes)


def runner_name() -> str:
    """This process as a runner: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def robot_env(settings: Settings, robot: str, run_id: int) -> dict[str, str]:
    """The environment a robot process gets: the adapter, its step and run, the same data."""
    env = dict(os.environ)
    project = str(ROBOTS_DIR.parent)
    env.update(
        RPA_WORKITEMS_ADAPTER=ADAPTER,
        KOMMUNERPA_STEP=robot,
        KOMMUNERPA_RUN_ID=str(run_id),
        KOMMUNERPA_HOME=str(settings.home),
        KOMMUNERPA_DATABASE_URL=settings.database_url,
        KOMMUNERPA_ERP_URL=settings.erp_url,
        PYTHONPATH=os.pathsep.join(filter(None, [project, env.get("PYTHONPATH")])),
    )
    return env


def run_robot(settings: Settings, robot: str, *, time_limit: float | None = None) -> Run | None:
    """Run ``robots/<robot>.robot`` once over its ready work items; ``None`` if there are none.

    ``time_limit`` (seconds): a robot still running then is stopped (SIGTERM, then SIGKILL)."""
    with transaction(settings.database_url) as session:
        if queue.count_ready(session, robot) == 0:
            return None
        run = runs.start(session, robot=robot, runner=runner_name(), output_dir="")
        output_dir = settings.runs / str(run.id)
        run.output_dir = str(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "robot",
        "--outputdir",
        str(output_dir),
        "--name",
        f"{robot} run {run.id}",
        "--console",
        "quiet",
        str(ROBOTS_DIR / f"{robot}.robot"),
    ]
    with (output_dir / "console.txt").open("wb") as console:
        process = subprocess.Popen(
            command,
            env=robot_env(settings, robot, run.id),
            cwd=output_dir,
            stdout=console,
            stderr=subprocess.STDOUT,
        )
        with _live_lock:
            _live.add(process)
        previous = signal.getsignal(signal.SIGTERM)
        forward = _forwarder(process)
        if _is_main_thread():
            signal.signal(signal.SIGTERM, forward)
        try:
            return_code = _wait(process, time_limit)
        except KeyboardInterrupt:
            # Ctrl-C reached the robot too (same process group); let it write its log.
            return_code = process.wait()
        finally:
            with _live_lock:
                _live.discard(process)
            if _is_main_thread():
                signal.signal(signal.SIGTERM, previous)
    with transaction(settings.database_url) as session:
        run = session.get(Run, run.id)
        queue.release_run(session, run.id, settings=settings, actor=f"runner:{run.runner}")
        return runs.finish(session, run, return_code=return_code)


def _wait(process: subprocess.Popen[bytes], time_limit: float | None) -> int:
    """The return code; past ``time_limit`` SIGTERM (Robot Framework writes its log), and
    SIGKILL if it has not ended ``KILL_AFTER_SECONDS`` later."""
    try:
        return process.wait(timeout=time_limit)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            return process.wait(timeout=KILL_AFTER_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()


def _forwarder(process: subprocess.Popen[bytes]):  # type: ignore[no-untyped-def]
    def forward(signum: int, _frame: object) -> None:
        # Stop the robot gracefully; we return after it has written its output.
        process.send_signal(signum)

    return forward


def _is_main_thread() -> bool:
    # Signal handlers can only be set from the main thread (the scheduler runs jobs in others).
    return threading.current_thread() is threading.main_thread()
