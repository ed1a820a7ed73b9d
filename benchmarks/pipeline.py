"""``kommunerpa bench pipeline``: the whole pipeline end to end, with K runner processes.

What it does, in a fresh temporary home (kept with ``--keep``):

1. Brings the database schema up to date: the home's SQLite file, or a fresh schema on the
   PostgreSQL server of ``--database`` (dropped afterwards).
2. Starts the ERP stub (a real HTTP service, its own SQLite file) and loads the demo seed, 40
   suppliers and, chunk by chunk, the orders and goods receipts the invoices need.
3. Writes N generated invoices into the inbox (``benchmarks/corpus.py``: blocks of 20, 16
   that post, 1 for an approver, 3 exceptions of every kind in turn), streamed.
4. Starts K ``kommunerpa runner`` processes, the real thing an operator starts, and waits
   until the inbox is empty and no work item is pending or held. On a PostgreSQL server whose
   autovacuum is off it vacuums and analyses the run's schema every minute meanwhile, as
   autovacuum would (``AutovacuumStandIn``).
5. Prints invoices per second (from the runners' start to the last item's end), per-stage
   time per invoice (p50, p95: an item's claim to its end inside the robot, and a run's wall
   time per item with the robot's start-up), CPU time per invoice by part (each step's
   robots, the runners, the ERP stub, a PostgreSQL server on this machine; read from
   ``/proc`` while they run, ``benchmarks/processes.py``), peak RSS per process, the
   database's size, on PostgreSQL the write-ahead log and the rows each table had inserted
   and updated per invoice (``benchmarks/server_writes.py``: counts the VM's speed does not
   move), posted and exception shares, and the accounting check
   (``orchestrator/accounting_check.py``, the chaos run's: every file ends once, the ERP
   agrees, the audit chain verifies).

``--json``: the last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import httpx
from sqlalchemy import select, text

from benchmarks import corpus as corpus_module
from benchmarks import server_writes
from benchmarks.measure import percentile
from benchmarks.processes import ProcessWatch, postgres_server_cpu
from connectors.erp_stub import process as stub_process
from orchestrator import intake
from orchestrator.accounting_check import check
from orchestrator.config import Settings, load_settings
from orchestrator.db import autovacuum_off, engine_for, transaction, url_with_schema
from orchestrator.models import Run, WorkItem
from orchestrator.pipeline import prepare
from orchestrator.steps import STEPS

PROJECT = str(Path(__file__).resolve().parents[1])
DEMO_SEED = Path(stub_process.__file__).with_name("demo_seed.json")
#: Orders and goods receipts loaded into the stub per request.
SEED_CHUNK = 500
#: How often the benchmark vacuums and analyses its schema when the server's autovacuum is
#: off (autovacuum's default nap between its looks at a database).
UPKEEP_S = 60.0
#: How often the benchmark looks whether the work is done, and samples the runners' memory.
POLL_S = 0.5
#: The parts of the CPU figures besides the runners and their robots.
ERP_STUB, DATABASE_SERVER = "ERP stub", "database server"
#: ``kommunerpa runner`` as this interpreter runs it (no console script needed).
RUNNER = "import sys; from orchestrator.cli import main; sys.argv[0] = 'kommunerpa'; main()"


@contextmanager
def database(url: str | None, home: Path) -> Iterator[tuple[str, str]]:
    """``(url, kind)`` of an empty database for one run: a SQLite file in ``home``, or a
    fresh schema on the PostgreSQL server of ``url``, dropped on the way out."""
    if url is None or url.startswith("sqlite"):
        yield url or f"sqlite:///{home / 'kommunerpa.db'}", "sqlite"
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = engine_for(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url_with_schema(url, schema), "postgresql"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def fill_inbox(settings: Settings, stub_url: str, n: int) -> tuple[list[str], Counter[str]]:
    """Write ``n`` corpus files into the inbox and their master data into the ERP stub;
    returns the file names and the expected outcomes (only names, never the contents)."""
    seed = json.loads(DEMO_SEED.read_text(encoding="utf-8"))
    seed["suppliers"] += corpus_module.seed_suppliers()
    _load(stub_url, seed, reset=True)
    names: list[str] = []
    expected: Counter[str] = Counter()
    chunk: dict[str, list[dict[str, Any]]] = {"purchase_orders": [], "goods_receipts": []}
    # The stub loads one chunk while the next is generated (one in flight: memory stays flat).
    with ThreadPoolExecutor(max_workers=1) as loader:
        loading: Future[None] | None = None
        for number, made in enumerate(corpus_module.corpus(n), start=1):
            partial = settings.inbox / f".{made.name}.part"
            partial.write_bytes(made.content)
            partial.rename(settings.inbox / made.name)
            names.append(made.name)
            expected[made.expected] += 1
            chunk["purchase_orders"] += made.purchase_orders
            chunk["goods_receipts"] += made.goods_receipts
            if number % SEED_CHUNK == 0 or number == n:
                if loading is not None:
                    loading.result()
                loading = loader.submit(_load, stub_url, chunk, reset=False)
                chunk = {"purchase_orders": [], "goods_receipts": []}
        if loading is not None:
            loading.result()
    return names, expected


def _load(stub_url: str, seed: dict[str, Any], *, reset: bool) -> None:
    answer = httpx.post(f"{stub_url}/admin/seed", params={"reset": reset}, json=seed, timeout=300)
    answer.raise_for_status()


def start_runners(env: dict[str, str], count: int, logs: Path) -> list[subprocess.Popen[bytes]]:
    """``count`` ``kommunerpa runner`` processes on ``env``'s home and database."""
    started = []
    for index in range(count):
        with (logs / f"runner-{index}.log").open("wb") as log:
            started.append(
                subprocess.Popen(
                    [sys.executable, "-c", RUNNER, "runner"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    return started


class AutovacuumStandIn(threading.Thread):
    """Vacuum and analyse the run's schema every ``UPKEEP_S``, as PostgreSQL's autovacuum
    would, for a server that has it off (this machine's). Without statistics the planner
    takes the tables the run fills for small ones and reads them whole, so every look at the
    queue grew with the history: at N = 100,000 the server spent 7.8 ms of CPU per invoice,
    against 3.0 at N = 10,000. The server does the work, so its CPU counts as the server's."""

    def __init__(self, url: str) -> None:
        super().__init__(name="autovacuum stand-in", daemon=True)
        self.url = url
        self.passes = 0
        self._stopping = threading.Event()

    def run(self) -> None:
        """Every ``UPKEEP_S`` until stopped: ``VACUUM (ANALYZE)`` each table of the schema."""
        engine = engine_for(self.url)
        while not self._stopping.wait(UPKEEP_S):
            with engine.connect() as connection:
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
                tables = connection.scalars(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                ).all()
                for table in tables:
                    connection.execute(text(f'VACUUM (ANALYZE) "{table}"'))
            self.passes += 1

    def stop(self) -> None:
        """End after the pass at work, if any."""
        self._stopping.set()
        self.join()


def wait_until_done(
    settings: Settings, runners: list[subprocess.Popen[bytes]], watch: ProcessWatch, timeout: float
) -> float:
    """Wait until every file went through, looking at the processes (``watch``) meanwhile;
    returns the time it took."""
    start = time.monotonic()
    while True:
        watch.look()
        for process in runners:
            if process.poll() is not None:
                raise click.ClickException(f"runner {process.pid} ended ({process.returncode})")
        if not intake.anything_waiting(settings):
            watch.look()  # the robots are still there: what they spent up to the end counts
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise click.ClickException(f"not done after {timeout:g} s")
        time.sleep(POLL_S)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each runner, and wait for it (it stops its robots)."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stage_times(settings: Settings) -> dict[str, dict[str, float]]:
    """Per step, milliseconds per item: ``p50``/``p95`` of claim to end inside the robot, the
    mean of the first and of the last tenth of the items (does it grow with the history?),
    and ``run`` (robot runs' wall time, start-up included, divided by their items)."""
    figures: dict[str, dict[str, float]] = {}
    with transaction(settings.database_url) as session:
        for step in STEPS:
            in_order = [
                (ended - claimed).total_seconds() * 1000
                for claimed, ended in session.execute(
                    select(WorkItem.claimed_at, WorkItem.updated_at)
                    .where(
                        WorkItem.step == step,
                        WorkItem.state.in_(("done", "failed")),
                        WorkItem.claimed_at.is_not(None),
                    )
                    .order_by(WorkItem.id)
                )
            ]
            spans = sorted(in_order)
            tenth = max(1, len(in_order) // 10)
            runs = session.execute(
                select(Run.started_at, Run.ended_at, Run.items_done + Run.items_failed).where(
                    Run.robot == step, Run.ended_at.is_not(None)
                )
            ).all()
            wall = sum((end - begin).total_seconds() for begin, end, _ in runs)
            items = sum(count for *_, count in runs)
            if spans:
                figures[step] = {
                    "items": len(spans),
                    "p50": round(percentile(spans, 50), 1),
                    "p95": round(percentile(spans, 95), 1),
                    "run": round(wall * 1000 / items, 1) if items else 0.0,
                    # Growth with the history: the first and the last tenth of the items.
                    "first_tenth": round(statistics.fmean(in_order[:tenth]), 1),
                    "last_tenth": round(statistics.fmean(in_order[-tenth:]), 1),
                    "runs": len(runs),
                }
    return figures


def database_bytes(url: str, kind: str, home: Path) -> int:
    """The database's size on disk: the SQLite file and its WAL, or the schema's relations."""
    if kind == "sqlite":
        path = Path(url.split("///", 1)[1])
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    with transaction(url) as session:
        return int(
            session.scalar(
                text(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')"
                )
            )
        )


def run_pipeline(
    n: int, runners: int, database_url: str | None, home: Path, timeout: float
) -> dict[str, Any]:
    """Run the benchmark in ``home``; returns the figures (see the module)."""
    with database(database_url, home) as (url, kind):
        env = {
            **os.environ,
            "KOMMUNERPA_HOME": str(home),
            "KOMMUNERPA_DATABASE_URL": url,
            "KOMMUNERPA_POLL_SECONDS": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [PROJECT, os.environ.get("PYTHONPATH")])),
        }
        stub = stub_process.start(home / "erp")
        try:
            env["KOMMUNERPA_ERP_URL"] = stub.url
            settings = load_settings(env)
            prepare(settings)
            generating = time.monotonic()
            names, expected = fill_inbox(settings, stub.url, n)
            generated = time.monotonic() - generating
            server_before = postgres_server_cpu(url) if kind == "postgresql" else None
            written_before = server_writes.mark(url) if kind == "postgresql" else None
            upkeep = AutovacuumStandIn(url) if autovacuum_off(url) else None
            processes = start_runners(env, runners, home)
            watch = ProcessWatch(
                settings.runs, [p.pid for p in processes], {stub.process.pid: ERP_STUB}
            )
            if upkeep is not None:
                upkeep.start()
            try:
                seconds = wait_until_done(settings, processes, watch, timeout)
            finally:
                if upkeep is not None:
                    upkeep.stop()
                stop(processes)
            spent = watch.cpu_by_part(url)
            written = None
            if written_before is not None:
                written_after = server_writes.mark(url)
                written = server_writes.per_invoice(url, written_before, written_after, n)
            if server_before is not None and (server_after := postgres_server_cpu(url)):
                spent[DATABASE_SERVER] = server_after - server_before
            children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            result = check(settings, names, stub.url)
        finally:
            stub.stop()
        figures = {
            "invoices": n,
            "runners": runners,
            "database": kind,
            "seconds": round(seconds, 2),
            "invoices_per_second": round(n / seconds, 2),
            "ms_per_invoice": round(seconds * 1000 / n, 1),
            "generate_seconds": round(generated, 2),
            "posted": result.posted,
            "awaiting_approval": result.awaiting_approval,
            "exceptions": result.exceptions,
            "expected": dict(expected),
            "codes": dict(result.exception_ends),
            "lost": result.lost,
            "duplicates": result.duplicates,
            "erp_mismatches": result.mismatches,
            "audit_intact": result.audit_intact,
            "as_planned": as_planned(expected, result),
            "ok": result.ok and as_planned(expected, result),
            "unfinished_items": result.unfinished_items,
            "vouchers_in_erp": result.erp_vouchers,
            "problems": result.problem_lines()[:20],
            "stages_ms": stage_times(settings),
            "cpu_ms_per_invoice": cpu_per_invoice(spent, n),
            "peak_rss_mb": round(
                max([children_kib, *(s.peak_kib for s in watch.seen.values())]) / 1024, 1
            ),
            "runner_peak_rss_mb": [round(kib / 1024, 1) for kib in watch.peak_kib("runner")],
            "database_mb": round(database_bytes(url, kind, home) / 2**20, 2),
            # PostgreSQL: WAL and rows written per invoice, which the VM's speed does not move.
            "server_writes_per_invoice": written,
            # Passes of the stand-in for a server's autovacuum that is off; None: not needed.
            "vacuum_passes": None if upkeep is None else upkeep.passes,
        }
    return figures


def cpu_per_invoice(spent: Counter[str], n: int) -> dict[str, float]:
    """CPU milliseconds per invoice by part (each step's robots, the runners, their fork
    servers, the ERP stub, a local PostgreSQL server) and ``total``, largest first."""
    per = {part: round(seconds * 1000 / n, 2) for part, seconds in spent.most_common()}
    return {**per, "total": round(sum(spent.values()) * 1000 / n, 2)}


def as_planned(expected: Counter[str], result: Any) -> bool:
    """Whether each invoice ended as the corpus planned it: posted, waiting for its approver,
    or with its one planned exception code (the accounting check cannot see a wrong code)."""
    ended = Counter(result.exception_ends)
    ended.update(posted=result.posted, awaiting_approval=result.awaiting_approval)
    return +ended == +expected


def _report(figures: dict[str, Any]) -> None:
    n = figures["invoices"]
    click.echo(
        f"{n} invoices, {figures['runners']} runner(s), {figures['database']}: "
        f"{figures['seconds']} s = {figures['invoices_per_second']} invoices/s "
        f"({figures['ms_per_invoice']} ms per invoice; generating took "
        f"{figures['generate_seconds']} s, not counted)"
    )
    click.echo(
        "per stage, ms per item: in the robot p50 / p95, first / last tenth of the items; "
        "robot runs' wall time per item"
    )
    for step, stage in figures["stages_ms"].items():
        click.echo(
            f"  {step:<9} {stage['p50']:>8} / {stage['p95']:>8}   "
            f"{stage['first_tenth']:>8} / {stage['last_tenth']:>8}   {stage['run']:>8} "
            f"({stage['items']} items, {stage['runs']} runs)"
        )
    cpu = figures["cpu_ms_per_invoice"]
    click.echo(
        f"CPU per invoice: {cpu['total']} ms ("
        + ", ".join(f"{part} {ms}" for part, ms in cpu.items() if part != "total")
        + ")"
    )
    click.echo(
        f"peak RSS: {figures['peak_rss_mb']} MB of any process (runners and robots); "
        f"runners {figures['runner_peak_rss_mb']} MB"
    )
    click.echo(f"database: {figures['database_mb']} MB")
    if (written := figures["server_writes_per_invoice"]) is not None:
        rows = ", ".join(
            f"{table} +{r['inserted']} ~{r['updated']} ({r['hot']} HOT)"
            for table, r in written["rows"].items()
        )
        click.echo(
            f"the server wrote per invoice: {written['wal_kb']} KB of WAL; rows inserted (+) "
            f"and updated (~): {rows}"
        )
    if figures["vacuum_passes"] is not None:
        click.echo(
            f"the server's autovacuum is off: the benchmark vacuumed and analysed its tables "
            f"every {UPKEEP_S:g} s instead ({figures['vacuum_passes']} passes)"
        )
    share = {k: figures[k] for k in ("posted", "awaiting_approval", "exceptions")}
    click.echo("outcome: " + ", ".join(f"{k} {v} ({v * 100 / n:.1f} %)" for k, v in share.items()))
    click.echo(f"expected: {figures['expected']}")
    click.echo(f"exception codes: {figures['codes']}")
    click.echo(f"every invoice ended as planned: {'yes' if figures['as_planned'] else 'NO'}")
    verdict = "OK" if figures["ok"] else "FAILED"
    click.echo(
        f"accounting {verdict}: {figures['lost']} lost, {figures['duplicates']} duplicates, "
        f"{figures['erp_mismatches']} ERP mismatches, audit chain "
        f"{'intact' if figures['audit_intact'] else 'BROKEN'}, "
        f"{figures['unfinished_items']} items unfinished, {figures['vouchers_in_erp']} vouchers "
        "in the ERP"
    )
    for problem in figures["problems"]:
        click.echo(f"  {problem}")


@click.command("pipeline")
@click.option("--invoices", "n", type=click.IntRange(1), default=1000, show_default=True)
@click.option("--runners", type=click.IntRange(1), default=1, show_default=True)
@click.option(
    "--database",
    "database_url",
    help="SQLAlchemy URL; PostgreSQL gets a fresh schema, dropped afterwards. "
    "Default: a SQLite file in the temporary home.",
)
@click.option("--json", "as_json", is_flag=True, help="Last line: the figures as one JSON object.")
@click.option("--keep", type=click.Path(path_type=Path), help="Use and keep this home folder.")
@click.option("--timeout", type=float, default=None, help="Give up after this many seconds.")
def pipeline_bench(
    n: int,
    runners: int,
    database_url: str | None,
    as_json: bool,
    keep: Path | None,
    timeout: float | None,
) -> None:
    """The pipeline end to end on N generated invoices with K runner processes."""
    home = keep or Path(tempfile.mkdtemp(prefix="kommunerpa-bench-"))
    home.mkdir(parents=True, exist_ok=True)
    try:
        figures = run_pipeline(n, runners, database_url, home.resolve(), timeout or 60 + n * 5)
    finally:
        if keep is None:
            shutil.rmtree(home, ignore_errors=True)
    _report(figures)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
    if not figures["ok"]:
        sys.exit(1)
