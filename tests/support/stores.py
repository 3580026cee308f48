"""Stores at the schema's head without running every migration for every test.

Building the schema is most of what a test's store costs (19 Alembic migrations: a second or two each time,
on SQLite and on PostgreSQL). Each test process migrates one template once: a SQLite file it copies for each
test, a PostgreSQL database each test's database is created from (CREATE DATABASE ... TEMPLATE). A store
opened on the copy finds the schema at its head and migrates nothing. The migration tests
(tests/publisher/store/test_migrations.py) still build their schema from nothing.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path

from publisher.store import Store


@cache
def _sqlite_template() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="publisher-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "publisher.db"
    Store(f"sqlite:///{path}").dispose()  # migrated to the head; every connection closed, the WAL folded in
    return path


def migrated_sqlite(url: str) -> None:
    """Make the SQLite database at `url` (sqlite:///PATH) a copy of the migrated template, unless it exists."""
    if not url.startswith("sqlite:///"):
        return  # a test that points the store elsewhere gets what it asked for
    path = Path(url.removeprefix("sqlite:///"))
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_template(), path)


def postgres_template_name() -> str:
    """This process's migrated PostgreSQL template database (one per pytest-xdist worker)."""
    return f"publisher_template_{os.getpid()}"
