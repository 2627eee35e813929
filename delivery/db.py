"""Engine and sessions: one transaction per webhook event, per job, per command."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

# SQLite: the default wait for another writer's lock. Long enough for any short transaction,
# short enough that a webhook answers LINE (503) before LINE's own timeout.
SQLITE_BUSY_TIMEOUT = 2.0


READ_ONLY_OPTION = "mentorbot_read_only"


def make_engine(url: str, busy_timeout: float = SQLITE_BUSY_TIMEOUT, **kwargs) -> Engine:
    # hide_parameters: SQL errors must not carry names or phone numbers into the logs.
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_timeout},
                               hide_parameters=True, **kwargs)
        _configure_sqlite(engine, int(busy_timeout * 1000))
        return engine
    # No pool_pre_ping: it costs every transaction a round trip. A connection the server
    # dropped fails its first statement instead; SQLAlchemy then invalidates the pool, and the
    # webhook and the event processor retry once on a fresh connection (the "optimistic"
    # disconnect handling); jobs and commands are run again by their schedule or their user.
    return create_engine(url, hide_parameters=True, **kwargs)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    # pysqlite's own transaction handling starts transactions lazily (and a read that later
    # writes can fail with "database is locked"). Take over: every transaction is BEGIN IMMEDIATE,
    # which takes SQLite's write lock up front, so concurrent writers queue (busy timeout) instead
    # of interleaving. That is the per-user lock on SQLite; PostgreSQL uses row locks.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms:d}")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A long read (an export) takes no write lock: WAL lets writers go on beside it.
        deferred = conn.get_execution_options().get(READ_ONLY_OPTION)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


class Database:
    """Holds the engine and hands out sessions. Usable with or without Flask."""

    def __init__(self, url: str, busy_timeout: float = SQLITE_BUSY_TIMEOUT, **engine_kwargs):
        self.url = url
        self.engine = make_engine(url, busy_timeout, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error."""
        with self._sessions() as session:
            with session.begin():
                yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that only reads, for long work such as an export: on SQLite it takes
        no write lock (so the webhook is not held up); it is rolled back at the end."""
        with self._sessions() as session:
            session.connection(execution_options={READ_ONLY_OPTION: True})
            try:
                yield session
            finally:
                session.rollback()

    def session(self) -> Session:
        return self._sessions()

    def dispose(self) -> None:
        self.engine.dispose()
