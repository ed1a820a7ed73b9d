"""Engine and session factory for SQLite (default) and PostgreSQL.

SQLite gets WAL (readers do not block the writer), foreign keys, a busy timeout, and every
transaction opened with ``BEGIN IMMEDIATE``: the write lock is taken at the start, so two
runners can never both read the same pending work item and then both claim it.

Both wait ``KOMMUNERPA_DB_WAIT_SECONDS`` for the database (``register_wait``): SQLite for a
lock another process holds (its busy timeout), PostgreSQL for a server that does not answer
(a new connection is tried again each second). The first failed connection of an outage is
logged at once; the first transaction after it records the outage (``orchestrator.db_outage``),
since nothing can be written while the database is away.

SQLite syncs its write-ahead log at every commit (``synchronous=FULL``) or, with
``KOMMUNERPA_SQLITE_SYNCHRONOUS=NORMAL`` (``register_synchronous``), only at checkpoints: a
commit then survives any process being killed, but the newest commits may be lost on a power
failure or an operating-system crash. Whatever acts outside the database on the strength of a
commit (drops a claim's marker, publishes a response, anchors an audit head) first calls
``make_durable``, which syncs the log in that mode and does nothing otherwise
(docs/reliability.md, "Power loss"). PostgreSQL commits durably by itself.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Executable

from orchestrator.models import utcnow

#: How long a database access waits for the database (a lock, a server) by default, in seconds.
DEFAULT_WAIT_SECONDS = 10.0
#: Between two attempts to reach a PostgreSQL server that did not answer.
RECONNECT_PAUSE_S = 1.0
#: One attempt to connect may take this long (a server that drops packets never refuses).
CONNECT_TIMEOUT_S = 5
#: SQLite's ``PRAGMA synchronous`` values this project runs with (WAL mode).
SYNCHRONOUS_MODES = ("FULL", "NORMAL")
#: The default: NORMAL, since every commit an effect outside the database relies on is made
#: durable before the effect (``make_durable``); docs/reliability.md gives the reasoning.
DEFAULT_SYNCHRONOUS = "NORMAL"

log = logging.getLogger(__name__)
_waits: dict[str, float] = {}
_synchronous: dict[str, str] = {}
#: The write-ahead log of each SQLite engine that runs with synchronous=NORMAL.
_unsynced_logs: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


@dataclass
class Outage:
    """A time the database did not answer this process: since when, until when (``None``
    while it lasts), and the driver's words for the first failure."""

    since: datetime
    error: str
    until: datetime | None = None


_outages: dict[str, Outage] = {}
_seen: dict[str, int] = {}  # outages this process noticed, per URL
_outage_lock = threading.Lock()


def register_wait(url: str, seconds: float) -> None:
    """How long accesses to ``url`` wait for the database (``KOMMUNERPA_DB_WAIT_SECONDS``);
    applies to engines made afterwards (the settings register it as they are loaded)."""
    _waits[_normalise_url(url)] = seconds


def wait_seconds(url: str) -> float:
    """How long an access to ``url`` waits for the database."""
    return _waits.get(_normalise_url(url), DEFAULT_WAIT_SECONDS)


def register_synchronous(url: str, mode: str) -> None:
    """SQLite's ``PRAGMA synchronous`` for ``url`` (``KOMMUNERPA_SQLITE_SYNCHRONOUS``: FULL or
    NORMAL); applies to engines made afterwards. ValueError for another value."""
    mode = mode.upper()
    if mode not in SYNCHRONOUS_MODES:
        raise ValueError(f"SQLite synchronous mode must be one of {SYNCHRONOUS_MODES}, not {mode}")
    _synchronous[_normalise_url(url)] = mode


def synchronous(url: str) -> str:
    """SQLite's ``PRAGMA synchronous`` for ``url`` (FULL or NORMAL)."""
    return _synchronous.get(_normalise_url(url), DEFAULT_SYNCHRONOUS)


def make_durable(database: str | Engine | Connection) -> None:
    """Return once every transaction committed to ``database`` so far (by any process) would
    survive a power failure too. One ``fdatasync`` of the write-ahead log for SQLite with
    synchronous=NORMAL; nothing to do for FULL (every commit synced it) or PostgreSQL."""
    engine = engine_for(database) if isinstance(database, str) else database.engine
    log_file = _unsynced_logs.get(engine)
    if log_file is not None:
        _sync(log_file)


def _sync(path: str) -> None:
    """Flush the file ``path`` to the disk (a log that is gone has nothing to flush: the last
    connection checkpointed it into the database file, synced, and removed it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fdatasync(fd)
    finally:
        os.close(fd)


def unreachable(error: BaseException) -> bool:
    """True for a failure of the connection itself (server down, connection cut), not of a
    statement: the database may answer again, and the work was not at fault."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, OperationalError):
        return False
    if type(error.orig).__module__.startswith("sqlite3"):
        # SQLite's OperationalError also means a missing table; only a lock is waited out.
        return "locked" in str(error.orig) or "busy" in str(error.orig)
    return True


def outages_seen(url: str) -> int:
    """How many outages of ``url`` this process has noticed so far."""
    with _outage_lock:
        return _seen.get(_normalise_url(url), 0)


def _noticed(url: str, error: Exception) -> None:
    with _outage_lock:
        if url in _outages and _outages[url].until is None:
            return
        _outages[url] = Outage(since=utcnow(), error=_first_line(error))
        _seen[url] = _seen.get(url, 0) + 1
    log.error("the database does not answer (%s); waiting for it", _first_line(error))


def _answered(url: str) -> None:
    with _outage_lock:
        outage = _outages.get(url)
        if outage is None or outage.until is not None:
            return
        outage.until = utcnow()
    log.warning("the database answers again (it did not since %s)", outage.since.isoformat())


def _take_ended_outage(url: str) -> Outage | None:
    with _outage_lock:
        outage = _outages.get(url)
        if outage is None or outage.until is None:
            return None
        return _outages.pop(url)


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


@lru_cache(maxsize=32)
def _normalise_url(url: str) -> str:
    # psycopg 3 is the installed driver; a plain postgresql:// URL would pick psycopg2.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def url_with_schema(base: str, schema: str) -> str:
    """PostgreSQL URL ``base`` working in ``schema`` (its ``search_path``): one database
    shared by separate sets of tables, e.g. a benchmark's or a test's own."""
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={schema}')}"


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with the pragmas and transaction mode this project needs."""
    url = _normalise_url(url)
    wait = wait_seconds(url)
    if not url.startswith("sqlite"):
        engine = create_engine(
            url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S}
        )
        _wait_for_server(engine, url, wait)
        return engine
    engine = create_engine(url, connect_args={"timeout": wait})
    busy_timeout_ms = round(wait * 1000)
    mode, log_file = synchronous(url), _write_ahead_log(engine)
    if mode == "NORMAL" and log_file is not None:
        _unsynced_logs[engine] = log_file
    else:
        mode = "FULL"  # a database in memory or named by a URI: nothing make_durable could sync

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        journal = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        # NORMAL is safe only with the write-ahead log (in rollback-journal mode a power
        # failure could corrupt the file); where WAL is refused the database stays FULL.
        cursor.execute(f"PRAGMA synchronous={mode if journal == 'wal' else 'FULL'}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _write_ahead_log(engine: Engine) -> str | None:
    """The path of a SQLite file database's write-ahead log (``None`` in memory or by URI)."""
    database = engine.url.database
    if not database or database == ":memory:" or engine.url.query.get("uri"):
        return None
    return os.path.abspath(database) + "-wal"


def _wait_for_server(engine: Engine, url: str, wait: float) -> None:
    """New connections to a server that does not answer are tried again until ``wait`` is
    over; the outage is noted (and logged) at the first failure or lost connection, its end at
    the first new connection that succeeds. (With ``pool_pre_ping`` a connection the server
    dropped is replaced by a new one.)"""

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, _record, cargs, cparams) -> Any:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + wait
        while True:
            try:
                connection = dialect.loaded_dbapi.connect(*cargs, **cparams)
            except dialect.loaded_dbapi.OperationalError as error:
                _noticed(url, error)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise
                time.sleep(min(RECONNECT_PAUSE_S, left))
                continue
            _answered(url)
            return connection

    @event.listens_for(engine, "handle_error")
    def _lost(context) -> None:  # type: ignore[no-untyped-def]
        # A connection cut in the middle of a statement: an outage as well (the pool is then
        # invalidated, so its end is the next new connection that gets through). A pooled
        # connection found stale by the pre-ping is not: it is simply replaced.
        if context.is_disconnect and not context.is_pre_ping:
            _noticed(url, context.original_exception)


def engine_for(url: str) -> Engine:
    """One engine per database URL and process (and settings: settings loaded again with
    another ``KOMMUNERPA_DB_WAIT_SECONDS`` or ``KOMMUNERPA_SQLITE_SYNCHRONOUS`` get an engine
    that does as they say)."""
    return _engine_for(url, wait_seconds(url), synchronous(url))


@lru_cache(maxsize=8)
def _engine_for(url: str, _wait: float, _synchronous: str) -> Engine:
    return make_engine(url)


#: What a runner or the daemon logs when the PostgreSQL server's autovacuum is off.
AUTOVACUUM_OFF = (
    "PostgreSQL's autovacuum is off on this server: the work items', invoices' and audit "
    "trail's tables are never analysed nor vacuumed, and their queries read whole tables as "
    "they grow. Turn it on (PostgreSQL's default) or run VACUUM (ANALYZE) on them regularly "
    "(docs/performance.md)."
)


def autovacuum_off(url: str) -> bool:
    """True when ``url`` is a PostgreSQL database whose server has autovacuum off (the
    planner then has no statistics for tables this project fills); never for SQLite."""
    engine = engine_for(url)
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        return connection.execute(text("SHOW autovacuum")).scalar() == "off"


def warn_if_autovacuum_off(url: str) -> None:
    """Log ``AUTOVACUUM_OFF`` as a warning when the server's autovacuum is off."""
    if autovacuum_off(url):
        log.warning(AUTOVACUUM_OFF)


def session_factory(url: str) -> sessionmaker[Session]:
    """The session factory bound to the engine for ``url`` (one per engine: building one per
    transaction cost more than many of the transactions themselves)."""
    return _session_factory(engine_for(url))


@lru_cache(maxsize=8)
def _session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


#: ``session.info`` key: this session's commit was made durable already (by its audit entries).
DURABLE = "durable"


_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def serialise(session: Session, key: int) -> None:
    """Let one transaction at a time past this point for ``key`` (any constant), until it
    ends: a PostgreSQL advisory lock. On SQLite, ``BEGIN IMMEDIATE`` already lets one writing
    transaction at a time run at all."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_ADVISORY_LOCK, {"key": key})


def insert_unless_present(
    session: Session, table: Table, rows: Sequence[dict[str, Any]]
) -> list[Any]:
    """Insert each of ``rows`` into ``table`` unless a row with its primary key is there (or
    comes earlier in ``rows``); returns the keys (the first primary-key column) of those
    inserted. One statement (``ON CONFLICT DO NOTHING``), in the session's transaction: no
    read before it, and a second writer of the same key waits for the first and then
    inserts nothing instead of failing."""
    statement = _insert_unless_present(session.get_bind().dialect.name, table)
    return list(session.connection().execute(statement, list(rows)).scalars())


@lru_cache
def _insert_unless_present(dialect_name: str, table: Table) -> Executable:
    """The statement for ``insert_unless_present``, built once: rows come as parameters."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    # RETURNING, not the row count: psycopg reports no count for this statement.
    return dialect.insert(table).on_conflict_do_nothing().returning(*table.primary_key.columns)


@contextmanager
def transaction(url: str, *, durable: bool = False) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on error. The first
    transaction after the database was away records the outage (``db_outage.report``).

    ``durable``: before this returns, the commit (and every commit before it) would survive
    a power failure too (``make_durable``; no second sync when the commit's audit entries had
    it made durable already). For a caller that acts outside the database next."""
    with session_factory(url)() as session, session.begin():
        yield session
    if durable and not session.info.pop(DURABLE, False):
        make_durable(url)
    outage = _take_ended_outage(_normalise_url(url))
    if outage is not None:
        # Imported here: db_outage records through the exception log, which needs this module.
        from orchestrator import db_outage

        db_outage.report(url, outage)


@lru_cache(maxsize=8)
def _reader_factory(url: str) -> sessionmaker[Session]:
    engine = create_engine(_normalise_url(url), connect_args={"timeout": wait_seconds(url)})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # SQLAlchemy begins, as for writers

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN")  # deferred: a reader, never the write lock

    return sessionmaker(engine, expire_on_commit=False)


def reader_engine(url: str) -> Engine:
    """The engine :func:`reading` reads with, for a caller that reads on a connection of its
    own (no ORM session): on SQLite one whose transactions do not take the write lock."""
    if not _normalise_url(url).startswith("sqlite"):
        return engine_for(url)
    return _reader_factory(url).kw["bind"]


def asking_connection(url: str) -> Connection:
    """A connection of its own for asks of one statement each, which the caller ends with
    ``rollback()`` after each: every ask sees what was committed before it. On PostgreSQL it
    runs in autocommit, since a transaction per ask costs a ``BEGIN`` and a ``ROLLBACK``, two
    round trips more (matching's in-flight ask: 0.26 -> 0.15 ms of CPU, 0.56 -> 0.21 ms of
    wall time, docs/performance.md); ``rollback()`` then sends nothing. On SQLite each ask
    is a read transaction of :func:`reader_engine`'s, which never takes the write lock."""
    connection = reader_engine(url).connect()
    if connection.dialect.name != "postgresql":
        return connection
    return connection.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def reading(url: str) -> Iterator[Session]:
    """A session for reading only, in one transaction. On SQLite it does not take the write
    lock that every ``transaction`` takes first (``BEGIN IMMEDIATE``), so readers never wait
    for writers: with several robots at work, waiting for that lock was half of a robot's
    time (cProfile of ``bench pipeline``). It reads a snapshot as of its first statement.
    On PostgreSQL it is an ordinary ``transaction``. Nothing written here is committed."""
    if not _normalise_url(url).startswith("sqlite"):
        with transaction(url) as session:
            yield session
        return
    with _reader_factory(url)() as session:  # closing it rolls the read transaction back
        yield session
