"""The checks of the broker (reachable; the filesystem broker's folders writable) and of the workers."""

from __future__ import annotations

import os
import secrets
from datetime import UTC
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from publisher import runtime
from publisher.config import Settings
from publisher.doctor.findings import Finding, error, ok, warning
from publisher.errors import PublisherError
from publisher.store import Store
from publisher.store.models import Campaign


def _filesystem(settings: Settings) -> bool:
    return settings.resolved_broker_url.startswith("filesystem://")


def broker(settings: Settings, timeout: float) -> list[Finding]:
    if _filesystem(settings):
        return [_folders_writable(settings.broker_dir)]
    where = runtime.broker_location(settings)
    problem = runtime.broker_problem(settings, timeout)
    if problem is not None:
        return [error("broker", "cannot be reached: nothing can be sent until it is", f"{where}: {problem}")]
    return [ok("broker", "reachable", where)]


def _folders_writable(folder: Path) -> Finding:
    """The filesystem broker's message folders: a probe file written and removed in each."""
    if not folder.is_dir():
        made_by = "filesystem broker: its folder does not exist yet (the first worker makes it)"
        return warning("broker", made_by, str(folder))
    for sub in ("queue", "control"):
        probe = folder / sub / f".doctor-{secrets.token_hex(6)}"
        try:
            probe.parent.mkdir(exist_ok=True)
            probe.write_bytes(b"probe")
            os.remove(probe)
        except OSError as exc:
            why = exc.strerror or type(exc).__name__
            return error("broker", f"filesystem broker: its folder is not writable ({why})", str(folder / sub))
    return ok("broker", "filesystem broker: its folders are writable", str(folder))


def workers(settings: Settings, store: Store | None, timeout: float) -> Finding:
    if _filesystem(settings):
        return warning("workers", f"the filesystem broker cannot ping workers; {_last_progress(store)}")
    try:
        names = runtime.ping_workers(settings, timeout)
    except Exception as exc:  # noqa: BLE001 - Celery raises the transport's own errors
        return error("workers", f"could not be pinged ({type(exc).__name__})", str(exc))
    if not names:
        return error("workers", f"no worker answered a ping within {timeout:g} s: start `publisher worker`")
    return ok("workers", f"{len(names)} answered a ping", ", ".join(names))


def _last_progress(store: Store | None) -> str:
    """When a worker last recorded progress on a campaign (the store's only trace of a live worker)."""
    if store is None:
        return "the database cannot tell when a worker last worked"
    try:
        with store.session() as session:
            last = session.scalar(select(func.max(Campaign.progress_at)))
    except (PublisherError, SQLAlchemyError):
        return "the database cannot tell when a worker last worked"
    if last is None:
        return "no worker has recorded progress on a campaign yet"
    return f"a worker last recorded progress at {last.replace(tzinfo=UTC):%Y-%m-%d %H:%M} UTC"
