"""Storage failures in words: a full disk or a read-only data directory, named in one line.

The driver's errors ("database or disk is full", "attempt to write a readonly database", "unable to open
database file", PostgreSQL's "No space left on device") become StorageUnavailable, a PublisherError, so
every interface says what is wrong and where instead of printing a traceback.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from publisher.errors import StorageUnavailable

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
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return f"the data directory {Path(parsed.database).resolve().parent}"
    return f"the database {parsed.database or ''} on {parsed.host or 'localhost'}"


def storage_problem(exc: BaseException, where: str) -> StorageUnavailable | None:
    """The StorageUnavailable an OperationalError means, or None when it is some other failure."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if any(marker in text for marker in _FULL):
        return StorageUnavailable("full", f"{where} is full: free some space, then try again")
    if any(marker in text for marker in _READ_ONLY):
        return StorageUnavailable("read-only", f"{where} is read-only: nothing can be changed until it is writable")
    return None
