"""Engines and sessions; migrations run on open so every process sees the current schema.

The transaction convention:
- A public service function (one that takes a Services or a Store) opens one `store.session()`
  transaction for its change: committed when the block ends, rolled back when it raises.
- A helper that takes a Session works inside its caller's transaction: it may flush (to get ids), and never
  commits, rolls back, closes or opens another session, so helpers compose into one atomic change.
- The exceptions say why where they happen, and all come from talking to something outside the database:
  a batch is handed to the broker only after the transaction that made its rows claimable has committed
  (dispatch); delivery commits each step of a chunk (claim, then record) so no transaction stays open
  around a network call and a killed worker leaves at most one chunk in flight; each sweeper claims a due
  scheduled campaign in its own short transaction, so two sweepers never both start it.
- Nothing outside publisher.store creates engines or sessions.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from publisher.errors import StorageUnavailable
from publisher.store.health import location, sqlite_folder, storage_problem

if TYPE_CHECKING:  # pragma: no cover
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest revision of every migration branch. Checking the database against it with one SELECT keeps
# alembic (about 0.2 s to import) out of every process start; tests/publisher/store/test_migrations.py
# fails when a new revision is added without updating it.
SCHEMA_HEADS = frozenset({"0023"})
RECOVER_EVERY_SECONDS = 5.0  # a store opened read-only tries to become writable again this often
READING = "publisher_reading"  # the execution option Store.reading() marks its connections with
_MIGRATION_LOCK = 7_261_344  # pg_advisory_xact_lock key: one migrator at a time


def _alembic_config() -> Config:
    from alembic.config import Config  # lazy: start-up cost, only when migrating

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def create_store_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine; for SQLite, WAL mode and immediate write transactions so several processes can share it.

    read_only opens an SQLite file that sits on a read-only file system: reads work, writes are refused.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if read_only:
        return _read_only_engine(str(parsed.database))
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: object) -> None:  # noqa: ANN401
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A deferred transaction that reads, then writes, fails at once with SQLITE_BUSY when another
        # process wrote in between; taking the write lock up front makes writers wait their turn instead.
        # Store.reading() never writes: a plain BEGIN, which leaves writers alone (WAL).
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READING) else "BEGIN IMMEDIATE")

    return engine


def _read_only_engine(path: str) -> Engine:
    # immutable=1: nothing can change the file while the file system is read-only, so SQLite needs no
    # -shm/-wal files (which it could not create) and takes no locks.
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: object) -> None:  # noqa: ANN401
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def current_revisions(conn: Connection) -> set[str]:
    """The revisions the database is at (empty for a new database), read with plain SQL."""
    if conn.dialect.name == "sqlite":
        exists = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")
        ).first()
    else:
        exists = conn.execute(text("SELECT to_regclass('alembic_version')")).scalar()
    if not exists:
        return set()
    return set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def schema_is_current(engine: Engine) -> bool:
    """Whether the database is at the newest revision of every migration branch."""
    with engine.connect() as conn:
        return current_revisions(conn) == SCHEMA_HEADS


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision of every branch (a no-op when it is there already)."""
    if schema_is_current(engine):
        return
    from alembic import command  # lazy: start-up cost, only when migrating

    cfg = _alembic_config()
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Some revisions rebuild a table (copy, drop, rename); with foreign keys on, dropping the old
            # table would cascade-delete the rows that point at it. The pragma only works between
            # transactions; each revision checks `PRAGMA foreign_key_check` before it ends.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "heads")
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


class Store:
    """An engine and its session factory.

    A data directory that is read-only or full still opens (SQLite, schema current): reads work and writes
    raise StorageUnavailable with one line naming the place. A long-lived process (a worker, the web app)
    tries to become writable again every RECOVER_EVERY_SECONDS, so freeing the disk is enough.
    """

    def __init__(self, url: str, *, migrate_schema: bool = True) -> None:
        self.url = url
        self.where = location(url)
        self.read_only = False
        self._recover_at = time.monotonic() + RECOVER_EVERY_SECONDS
        try:
            self.engine = create_store_engine(url)
            if migrate_schema:
                migrate(self.engine)
        except (OperationalError, OSError) as exc:
            problem = storage_problem(exc, self.where, sqlite_folder(url))
            if problem is None and isinstance(exc, OSError):
                problem = StorageUnavailable("read-only", f"{self.where} cannot be used: {exc.strerror or exc}")
            if problem is None:
                raise
            self.engine = self._open_read_only(problem)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def _open_read_only(self, problem: StorageUnavailable) -> Engine:
        parsed = make_url(self.url)
        database = parsed.database or ""
        if parsed.get_backend_name() != "sqlite" or not Path(database).is_file():
            raise problem
        engine = create_store_engine(self.url, read_only=True)
        try:
            current = schema_is_current(engine)
        except OperationalError:
            raise problem from None
        if not current:
            raise StorageUnavailable(
                problem.kind, f"{problem}; the database also needs an upgrade, which has to write"
            ) from None
        self.read_only = True
        return engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _recover(self) -> None:
        """Opened read-only because the disk was full or read-only: every few seconds, try writable again."""
        now = time.monotonic()
        if now < self._recover_at:
            return
        self._recover_at = now + RECOVER_EVERY_SECONDS
        engine = create_store_engine(self.url)
        try:
            migrate(engine)
        except (OperationalError, OSError):
            engine.dispose()
            return
        old, self.engine, self.read_only = self.engine, engine, False
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        old.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        if self.read_only:
            self._recover()
        with self._storage_errors(), self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def autocommit(self) -> Iterator[Session]:
        """A session whose every statement commits on its own, for a single statement or reads that need not
        agree with each other (delivery's claim, its recipients' check): on PostgreSQL no BEGIN and no COMMIT,
        two database round trips fewer. SQLite runs them in one transaction as session() does.
        """
        if self.dialect != "postgresql":
            with self.session() as session:
                yield session
            return
        with self._storage_errors(), self.engine.connect() as conn:
            with Session(bind=conn.execution_options(isolation_level="AUTOCOMMIT")) as session:
                yield session

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection in a transaction for reading only (a metrics scrape): it never takes the write lock.

        SQLite begins a deferred transaction (in WAL mode a reader neither waits for nor blocks a writer);
        PostgreSQL a READ ONLY one, which refuses writes. Rolled back at the end: nothing is committed.
        """
        with self._storage_errors(), self.engine.connect() as conn:
            conn.execution_options(**{READING: True})
            with conn.begin() as transaction:
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                yield conn
                transaction.rollback()

    @contextmanager
    def _storage_errors(self) -> Iterator[None]:
        """A database that cannot be written (a full disk, a read-only folder) is the StorageUnavailable naming it."""
        try:
            yield
        except OperationalError as exc:
            problem = storage_problem(exc, self.where, sqlite_folder(self.url))
            if problem is None:
                raise
            raise problem from exc

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A Session over reading() (reports): it never takes the write lock, and nothing it does is kept."""
        with self.reading() as conn, Session(bind=conn) as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
