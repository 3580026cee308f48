"""Storage failures in words: a full disk or a read-only data directory, named in one line.

The driver's errors ("database or disk is full", "attempt to write a readonly database", "unable to open
database file", PostgreSQL's "No space left on device") become StorageUnavailable, a PublisherError, so
every interface says what is wrong and where instead of printing a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

from publisher.errors import StorageUnavailable

_FULL_BELOW_BYTES = 256 * 1024  # less room than this, and SQLite cannot create its -wal and -shm files
_FULL = ("database or disk is full", "no space left on device", "could not extend file", "disk quota exceeded")
_READ_ONLY = (
    "attempt to write a readonly database",
    "read-only file system",
    "readonly database",
    "unable to open database file",
    "cannot execute",  # PostgreSQL: "cannot execute INSERT in a read-only transaction"
)


def location(url: str) -> str:
    """Where the data lives, for messages: the SQLite file's folder, or the server (never a password)."""
    folder = sqlite_folder(url)
    if folder is not None:
        return f"the data directory {folder}"
    parsed = make_url(url)
    return f"the database {parsed.database or ''} on {parsed.host or 'localhost'}"


def storage_problem(exc: BaseException, where: str, folder: Path | None = None) -> StorageUnavailable | None:
    """The StorageUnavailable an OperationalError means, or None when it is some other failure.

    SQLite says only "disk I/O error" or "unable to open database file" when it cannot create its -wal or
    -shm file; with the folder given, the file system is asked whether it is full or read-only.
    """
    text = str(getattr(exc, "orig", None) or exc).lower()
    full = StorageUnavailable("full", f"{where} is full: free some space, then try again")
    read_only = StorageUnavailable("read-only", f"{where} is read-only: nothing can be changed until it is writable")
    if any(marker in text for marker in _FULL):
        return full
    state = _file_system_state(folder) if folder is not None else None
    if state == "full":
        return full
    if state == "read-only" or any(marker in text for marker in _READ_ONLY):
        return read_only
    return None


def sqlite_folder(url: str) -> Path | None:
    """The folder of an SQLite database file, or None for other databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).resolve().parent
    return None


def _file_system_state(folder: Path) -> str | None:
    try:
        stats = os.statvfs(folder)
    except OSError:
        return None
    if stats.f_flag & os.ST_RDONLY:
        return "read-only"
    if stats.f_bavail * stats.f_frsize < _FULL_BELOW_BYTES:
        return "full"
    return None
