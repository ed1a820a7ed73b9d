"""The scheduler daemon: APScheduler 3 starts each robot on its schedule, around the clock.

- **Jobs**: one per robot (``receipt``, ``control``, ``matching``, ``posting``) and the
  ``nightly`` pass, in APScheduler's ``SQLAlchemyJobStore`` (table ``apscheduler_jobs`` in
  the orchestrator database), with explicit ids and ``replace_existing``, so a restart never
  duplicates them; ``max_instances=1``, ``coalesce=True`` and the schedule's
  ``misfire_grace_seconds``. A job is a module-level function with the settings as plain
  strings, as the job store pickles it. Schedules come from ``robots.toml``
  (``orchestrator.schedules``); an unchanged schedule keeps its due time over a restart,
  so a run missed while no daemon was active is run late or recorded as missed.
- **Robots run as child processes** (``orchestrator.runner``); a job's thread only waits
  for them. A run past its time limit is stopped (SIGTERM, then SIGKILL).
- **One active daemon**: every daemon beats every few seconds (``orchestrator.leadership``);
  the holder of the lease schedules, the others stand by with no robot jobs loaded.
- **Staff control** (``orchestrator.robots``): polled every ``CONTROL_POLL_SECONDS`` and
  applied with ``pause_job``/``resume_job`` and one-off jobs for "run now".
- **Every fault is an exception entry**: job errors, missed runs, bad robot exits, a lost
  lease, a run whose runner vanished. Daylight-saving effects on a run are audit entries.
- **The database away** (``orchestrator.db_outage``): the daemon keeps running. Its ticks
  and jobs fail (logged to stderr, one line each, no exception entry: none can be written);
  past its lease it stands by, and takes charge again when a heartbeat gets through. The
  first transaction after the outage records one ``DATABASE-UNAVAILABLE`` with its period.
- **SIGTERM/SIGINT**: running robots take no further item and end; after
  ``SHUTDOWN_GRACE_SECONDS`` they get SIGTERM, then SIGKILL. Unfinished items go back to
  the queue; the lease is given up and the daemon exits 0.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobExecutionEvent,
    JobSubmissionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import select

from orchestrator import (
    audit,
    db,
    erp_outage,
    exceptions,
    leadership,
    processes,
    queue,
    robot_process,
    runner,
    runs,
    schedules,
)
from orchestrator.config import Settings, load_settings
from orchestrator.db import make_engine, transaction
from orchestrator.models import RobotControl, Run, WorkItem, utcnow
from orchestrator.pipeline import prepare
from orchestrator.robot_work import SHUTDOWN_GRACE_SECONDS, ask_runs_to_stop, end_robots, work_robot

OSLO = ZoneInfo(schedules.TIMEZONE)
JOBSTORE = "robots"  # the robots' jobs, in the database
INTERNAL = "default"  # this daemon's own jobs (heartbeat, control polling, run-now), in memory
INTERNAL_EXECUTOR = "internal"  # heartbeat and control polling never wait for a robot thread
HEARTBEAT_JOB, CONTROLS_JOB = "daemon-heartbeat", "daemon-controls"
ERP_RECHECK_JOB = "daemon-erp-recheck"
#: How often the daemon reads staff requests (pause, stop, run …) from the database.
CONTROL_POLL_SECONDS = 2.0
#: While an ERP outage is open, how often the daemon asks the ERP again: when it answers, the
#: held items are taken up at once instead of at their robot's next firing (hourly, nightly).
ERP_RECHECK_SECONDS = 15.0
#: After SIGTERM, how long running robots get to finish their current item before SIGTERM.
#: The robot jobs and run-now requests may all run at once; internal jobs have their own pool.
ROBOT_THREADS = 2 * len(schedules.JOBS)

log = logging.getLogger(__name__)

_daemon: Daemon | None = None  # the daemon of this process; its jobs reach it here


class _SkippedRunFilter(logging.Filter):
    """Drop APScheduler's warning that a run was skipped because the previous one still
    runs: with ``max_instances=1`` that is the design (a long run delays the next)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(_SkippedRunFilter())


class _Scheduler(BlockingScheduler):
    """APScheduler's blocking scheduler, whose main loop survives a job store that fails
    between reading the due jobs and saving their next run time (the database went away
    in that instant): APScheduler guards only the reading."""

    def _process_jobs(self) -> float | None:
        try:
            return super()._process_jobs()
        except Exception:  # noqa: BLE001  (the main loop must not end; the next wakeup retries)
            log.exception("could not process the due jobs; trying again")
            return self.jobstore_retry_interval


def settings_args(settings: Settings) -> dict[str, str]:
    """The settings as the plain strings a stored job carries (see ``robot_job``)."""
    return {
        "KOMMUNERPA_HOME": str(settings.home),
        "KOMMUNERPA_DATABASE_URL": settings.database_url,
        "KOMMUNERPA_ERP_URL": settings.erp_url,
        "KOMMUNERPA_MAX_ATTEMPTS": str(settings.max_attempts),
        "KOMMUNERPA_RETRY_BACKOFF": str(settings.retry_backoff_seconds),
        "KOMMUNERPA_LEASE_SECONDS": str(settings.lease_seconds),
        "KOMMUNERPA_POLL_SECONDS": str(settings.poll_seconds),
        # The mailbox, but never its password: the job store keeps these in the database.
        # The password comes from the daemon's environment or its file.
        "KOMMUNERPA_IMAP_HOST": settings.imap_host or "",
        "KOMMUNERPA_IMAP_PORT": str(settings.imap_port),
        "KOMMUNERPA_IMAP_USER": settings.imap_user or "",
        "KOMMUNERPA_IMAP_PASSWORD_FILE": str(settings.imap_password_file or ""),
        "KOMMUNERPA_IMAP_FOLDER": settings.imap_folder,
        "KOMMUNERPA_IMAP_PROCESSED_FOLDER": settings.imap_processed_folder or "",
        "KOMMUNERPA_IMAP_CA_FILE": str(settings.imap_ca_file or ""),
    }


def robot_job(robot: str, args: dict[str, str], forced: bool = False) -> None:
    """A firing of ``robot``'s schedule (or a person's "run now", ``forced``)."""
    _running_daemon().work(robot, load_settings({**os.environ, **args}), forced=forced)


def nightly_job(args: dict[str, str]) -> None:
    """The nightly pass: every robot in step order over what is left (paused ones skipped)."""
    _work_in_step_order(args, schedules.ROBOTS)


def after_outage_job(args: dict[str, str]) -> None:
    """The ERP answers again: its robots in step order over the items that waited."""
    _work_in_step_order(args, [r for r in schedules.ROBOTS if r in erp_outage.ERP_STEPS])


def _work_in_step_order(args: dict[str, str], robots: Sequence[str]) -> None:
    daemon = _running_daemon()
    settings = load_settings({**os.environ, **args})
    for robot in robots:
        daemon.work(robot, settings)


def _running_daemon() -> Daemon:
    if _daemon is None:
        raise RuntimeError("a robot job ran outside a scheduler daemon")
    return _daemon


class Daemon:
    """One scheduler daemon process: standby until it holds the lease, then scheduling."""

    def __init__(self, settings: Settings, on_run: Callable[[Run], None] | None = None) -> None:
        self.settings = settings
        self.name = runner.runner_name()
        self.on_run = on_run
        self.schedules = schedules.load(settings.home)
        self._schedules_stamp = _stamp(settings)
        self.active = False
        self.stopping = threading.Event()
        self._lease_until = 0.0  # monotonic time our lease surely holds until
        self._locks = {robot: threading.Lock() for robot in schedules.ROBOTS}
        self._last_tick_error: dict[str, str] = {}
        self._erp_rechecked_at = utcnow()  # outages ended after this are taken up
        self.scheduler = _Scheduler(
            timezone=OSLO,
            jobstores={INTERNAL: MemoryJobStore()},
            executors={
                "default": ThreadPoolExecutor(ROBOT_THREADS),
                INTERNAL_EXECUTOR: ThreadPoolExecutor(2),
            },
        )
        self.scheduler.add_listener(self._on_error, EVENT_JOB_ERROR)
        self.scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        self.scheduler.add_listener(self._on_submitted, EVENT_JOB_SUBMITTED)

    # --- running -------------------------------------------------------------------------

    def serve(self) -> None:
        """Run until SIGTERM/SIGINT (or ``shutdown``); robots end first, then the lease."""
        global _daemon
        _daemon = self
        for job_id, every, tick in (
            (HEARTBEAT_JOB, leadership.heartbeat_seconds(self.settings), self._heartbeat),
            (CONTROLS_JOB, CONTROL_POLL_SECONDS, self._apply_controls),
            (ERP_RECHECK_JOB, ERP_RECHECK_SECONDS, self._recheck_erp),
        ):
            self.scheduler.add_job(
                tick,
                "interval",
                seconds=every,
                id=job_id,
                jobstore=INTERNAL,
                executor=INTERNAL_EXECUTOR,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,  # late on a busy machine is fine, never skipped
                next_run_time=datetime.now(OSLO),
            )
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._on_signal)
            signal.signal(signal.SIGINT, self._on_signal)
        log.info("scheduler daemon %s started; standing by until it holds the lease", self.name)
        try:
            self.scheduler.start()
            self._wind_down()
        finally:
            _daemon = None

    def shutdown(self) -> None:
        """Stop scheduling; running robots take no further item (``serve`` then returns)."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        log.info("scheduler daemon %s stopping: robots finish their current item", self.name)
        ask_runs_to_stop(self.settings, self.name)
        self.scheduler.shutdown(wait=False)

    def _on_signal(self, signum: int, _frame: object) -> None:
        # Leave the handler at once: the main thread may be inside a job store transaction.
        threading.Thread(target=self.shutdown, name="shutdown").start()

    def _wind_down(self) -> None:
        end_robots(self._robots_busy, SHUTDOWN_GRACE_SECONDS)
        try:
            leadership.retire(self.settings, self.name)
        except Exception:  # noqa: BLE001  (the database may be what is failing)
            log.exception("could not give up the scheduler lease; it expires by itself")
        log.info("scheduler daemon %s stopped", self.name)

    def _robots_busy(self) -> bool:
        return any(lock.locked() for lock in self._locks.values())

    def work(self, robot: str, settings: Settings, *, forced: bool = False) -> None:
        """Run ``robot`` through its queue (one at a time per robot in this daemon)."""
        with self._locks[robot]:
            if self.stopping.is_set() or not self.active:
                return
            work_robot(
                settings,
                robot,
                self.schedules[robot],
                stopping=lambda: self.stopping.is_set() or not self.active,
                forced=forced,
                on_run=self.on_run,
            )

    # --- leadership ------------------------------------------------------------------------

    def _heartbeat(self) -> None:
        if self.stopping.is_set():
            return
        began = time.monotonic()
        try:
            beat = leadership.heartbeat(self.settings, self.name)
        except Exception as error:  # noqa: BLE001  (a database outage must not end the daemon)
            away = db.unreachable(error)
            if away:
                log.warning("heartbeat failed: the database does not answer")
            else:
                log.exception("heartbeat failed")
            if self.active and time.monotonic() > self._lease_until:
                # An outage is recorded as such (DATABASE-UNAVAILABLE), not as a lost lease too.
                reason = "its lease ran out while the database did not answer"
                self._stand_by(reason, record=not away)
            return
        if beat.active:
            self._lease_until = began + self.settings.scheduler_lease_seconds
            if not self.active:
                self._take_charge(beat)
            self._close_lost_runs()
        elif self.active:
            self._stand_by(f"{beat.holder} holds the lease now")

    def _take_charge(self, beat: leadership.Beat) -> None:
        log.info("scheduler daemon %s is active (before: %s)", self.name, beat.taken_over_from)
        self.scheduler.pause()  # no job fires before the jobs carry this daemon's settings
        try:
            store = SQLAlchemyJobStore(
                engine=make_engine(self.settings.database_url), tablename="apscheduler_jobs"
            )
            self.scheduler.add_jobstore(store, JOBSTORE)
            self._schedule_jobs()
            self.active = True
            self._apply_controls()
        finally:
            self.scheduler.resume()

    def _stand_by(self, reason: str, *, record: bool = True) -> None:
        log.error("scheduler daemon %s lost the lease: %s", self.name, reason)
        self.active = False
        with contextlib.suppress(KeyError):  # already gone
            self.scheduler.remove_jobstore(JOBSTORE)
        ask_runs_to_stop(self.settings, self.name)
        if record:
            self._record(
                "SCHEDULER-LEASE-LOST", "scheduler", reason, {"daemon": self.name, "reason": reason}
            )

    def _schedule_jobs(self) -> None:
        """Add or update every job; a job whose schedule is unchanged keeps its due time."""
        args = settings_args(self.settings)
        for job in self.scheduler.get_jobs(jobstore=JOBSTORE):
            if job.id not in schedules.JOBS:
                job.remove()
        for name in schedules.JOBS:
            schedule = self.schedules[name]
            existing = self.scheduler.get_job(name, jobstore=JOBSTORE)
            kept = {}
            label = f"{name}: {schedule.describe()}"  # what APScheduler's log lines show
            if existing is not None and existing.name == label:
                kept["next_run_time"] = existing.next_run_time
            self.scheduler.add_job(
                nightly_job if name == schedules.NIGHTLY else robot_job,
                trigger=schedule.trigger(),
                args=[args] if name == schedules.NIGHTLY else [name, args],
                id=name,
                name=label,
                jobstore=JOBSTORE,
                replace_existing=True,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=int(schedule.misfire_grace_seconds),
                **kept,
            )

    # --- staff control -------------------------------------------------------------------

    def _apply_controls(self) -> None:
        if not self.active or self.stopping.is_set():
            return
        try:
            self._reload_schedules()
            self._apply_control_rows()
        except Exception:  # noqa: BLE001  (the next poll tries again)
            log.exception("could not apply the robots' controls")

    def _apply_control_rows(self) -> None:
        with transaction(self.settings.database_url) as session:
            controls = {c.robot: c for c in session.scalars(select(RobotControl))}
            requests = {
                c.robot: c.run_requested_at for c in controls.values() if c.run_requested_at
            }
            holds = {c.robot: c.paused or c.stop_requested for c in controls.values()}
        for robot in schedules.ROBOTS:
            job = self.scheduler.get_job(robot, jobstore=JOBSTORE)
            if job is None:
                continue
            if holds.get(robot) and job.next_run_time is not None:
                self.scheduler.pause_job(robot, jobstore=JOBSTORE)
                log.info("%s: schedule paused", robot)
            elif not holds.get(robot) and job.next_run_time is None:
                self.scheduler.resume_job(robot, jobstore=JOBSTORE)
                log.info("%s: schedule resumed", robot)
        for robot, requested_at in requests.items():
            if robot in self._locks:
                self._run_now(robot, requested_at)

    def _recheck_erp(self) -> None:
        """During an ERP outage, ask the ERP; once it answers (the outage closed here, or by a
        robot's own check since the last tick), run the ERP robots now, in step order, for
        the items that waited."""
        if not self.active or self.stopping.is_set():
            return
        tick = utcnow()
        try:
            if erp_outage.is_open(self.settings):
                actor = f"scheduler:{self.name}"
                if erp_outage.check(self.settings, actor=actor, step="scheduler") is not None:
                    self._erp_rechecked_at = tick
                    return  # still down
            elif not erp_outage.ended_since(self.settings, self._erp_rechecked_at):
                self._erp_rechecked_at = tick
                return  # no outage, and none ended since the last tick
        except Exception:  # noqa: BLE001  (the next tick asks again)
            log.exception("could not ask the ERP whether it answers again")
            return
        self._erp_rechecked_at = tick
        log.info("the ERP answers again: its robots take up the items that waited")
        # Not forced: a paused robot stays paused.
        self._fire_now("after-erp-outage", after_outage_job, settings_args(self.settings))

    def _run_now(self, robot: str, requested_at: datetime) -> None:
        self._fire_now(f"run-now-{robot}", robot_job, robot, settings_args(self.settings), True)
        with transaction(self.settings.database_url) as session:
            control = session.get(RobotControl, robot)
            if control is not None and control.run_requested_at == requested_at:
                control.run_requested_at = None  # a newer request stays for the next poll
        log.info("%s: run requested by a person", robot)

    def _fire_now(self, job_id: str, job: Callable[..., None], *args: object) -> None:
        """``job(*args)`` once, at once, in the robots' pool (a newer request replaces one
        not yet started)."""
        self.scheduler.add_job(
            job,
            "date",
            run_date=datetime.now(OSLO),
            args=list(args),
            id=job_id,
            jobstore=INTERNAL,
            replace_existing=True,
            misfire_grace_time=None,
        )

    def _reload_schedules(self) -> None:
        stamp = _stamp(self.settings)
        if stamp == self._schedules_stamp:
            return
        self._schedules_stamp = stamp
        try:
            self.schedules = schedules.load(self.settings.home)
        except schedules.ScheduleError as error:
            log.error("%s; the daemon keeps the schedules it has", error)
            self._record("SCHEDULE-INVALID", "scheduler", str(error), {"reason": str(error)})
            return
        log.info("robots.toml changed: schedules reloaded")
        self._schedule_jobs()

    # --- faults ----------------------------------------------------------------------------

    def _on_error(self, event: JobExecutionEvent) -> None:
        if db.unreachable(event.exception):
            # Not the job's fault, and no entry can be written now: the outage is recorded
            # (DATABASE-UNAVAILABLE) by the first transaction after it.
            log.warning("job %s: the database does not answer", event.job_id)
            return
        # The daemon's own ticks fail again on every tick while a fault lasts: one entry.
        if self._last_tick_error.get(event.job_id) == repr(event.exception):
            return
        if event.job_id in (HEARTBEAT_JOB, CONTROLS_JOB, ERP_RECHECK_JOB):
            self._last_tick_error[event.job_id] = repr(event.exception)
        self._record(
            "SCHEDULER-JOB-ERROR",
            _step_of(event.job_id),
            event.traceback,
            {
                "job": event.job_id,
                "scheduled_at": _iso(event.scheduled_run_time),
                "reason": repr(event.exception),
            },
        )

    def _on_missed(self, event: JobExecutionEvent) -> None:
        job = self.scheduler.get_job(event.job_id)
        self._record(
            "SCHEDULER-MISSED-RUN",
            _step_of(event.job_id),
            None,
            {
                "job": event.job_id,
                "scheduled_at": _iso(event.scheduled_run_time),
                "grace": job.misfire_grace_time if job is not None else None,
            },
        )

    def _on_submitted(self, event: JobSubmissionEvent) -> None:
        try:
            job = self.scheduler.get_job(event.job_id, jobstore=JOBSTORE)
        except Exception as error:
            if db.unreachable(error):
                return  # no daylight-saving note for this firing: the database is away
            raise
        trigger = getattr(job, "trigger", None)
        if not isinstance(trigger, schedules.WallClockCronTrigger):
            return
        for fire_time in event.scheduled_run_times:
            note = trigger.dst_note(fire_time)
            if note is None:
                continue
            log.warning("%s: %s", event.job_id, note)
            try:
                with transaction(self.settings.database_url) as session:
                    audit.append(
                        session,
                        actor=f"scheduler:{self.name}",
                        action="schedule.daylight_saving",
                        object_type="robot",
                        object_id=event.job_id,
                        details={"scheduled_at": _iso(fire_time), "note": note},
                    )
            except Exception:  # noqa: BLE001
                log.exception("could not record the daylight-saving note")

    def _record(self, code: str, step: str, detail: str | None, evidence: dict) -> None:
        log.error("%s %s %s", code, evidence, detail or "")
        try:
            with transaction(self.settings.database_url) as session:
                exceptions.record(
                    session,
                    code=code,
                    step=step,
                    actor=f"scheduler:{self.name}",
                    detail=detail,
                    evidence=evidence,
                )
        except Exception:  # noqa: BLE001  (logged above; the database may be the fault)
            log.exception("could not record %s in the exception log", code)

    def _close_lost_runs(self) -> None:
        """Close runs left ``running`` by a runner process on this host that no longer exists.

        Their unfinished items go back to the queue once their leases have expired; a run
        whose items are still leased (its robot may outlive the runner) is left for later."""
        with transaction(self.settings.database_url) as session:
            running = session.scalars(select(Run).where(Run.state == "running"))
            lost = [run for run in running if processes.known_gone(run.runner)]
            for run in runs.still_unfinished(session, lost):
                leased = session.scalars(
                    select(WorkItem.id).where(
                        WorkItem.run_id == run.id,
                        WorkItem.state == queue.IN_PROGRESS,
                        WorkItem.lease_expires_at > utcnow(),
                    )
                ).first()
                if leased is not None:
                    continue
                actor = f"scheduler:{self.name}"
                queue.release_run(session, run.id, settings=self.settings, actor=actor)
                runs.finish(session, run, return_code=-signal.SIGKILL)
                exceptions.record(
                    session,
                    code="ROBOT-RUN-LOST",
                    step=run.robot,
                    actor=actor,
                    evidence={
                        "robot": run.robot,
                        "run_id": run.id,
                        "runner": run.runner,
                        "log": f"{run.output_dir}/log.html",
                    },
                    run_id=run.id,
                )


#: Libraries whose INFO lines are routine (every job tick, every ERP request, every migration
#: step): at INFO they would bury what a person must read, such as ``run``'s logins.
QUIET_LOGGERS = ("apscheduler", "httpx", "alembic")


def configure_logging() -> None:
    """Log lines with a time stamp to stderr (what a service manager collects): this
    program's INFO, the libraries' warnings and errors."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def serve(settings: Settings, on_run: Callable[[Run], None] | None = None) -> None:
    """Prepare the home (schema, folders, ``robots.toml``) and run the daemon until a signal."""
    prepare(settings)
    db.warn_if_autovacuum_off(settings.database_url)
    schedules.ensure_file(settings.home)
    robot_process.warm_up()  # the robots' imports while the daemon starts, not in its first run
    Daemon(settings, on_run).serve()


def _stamp(settings: Settings) -> float | None:
    path = schedules.path_for(settings.home)
    return path.stat().st_mtime if path.exists() else None


def _step_of(job_id: str) -> str:
    robot = job_id.removeprefix("run-now-")
    return robot if robot in schedules.JOBS else "scheduler"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
