"""The signup site the consent end-to-end tests drive: the web app served for real, and one real worker."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from publisher import subscribers
from publisher.config import Settings
from publisher.store import Store
from publisher.web import create_app
from tests.support.web import LiveServer
from workers.process import spawn_worker, stop_worker


@contextmanager
def site_client(settings: Settings, store: Store, list_name: str = "readers") -> Iterator[httpx.Client]:
    """A client of the app served on a free port, with `list_name` existing (redirects not followed)."""
    with store.session() as session:
        subscribers.ensure_list(session, list_name)
    server = LiveServer(create_app(settings, store)).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10, follow_redirects=False) as client:
            yield client
    finally:
        server.stop()


@contextmanager
def one_worker(tmp_path: Path) -> Iterator[None]:
    """One Celery worker process on the environment's settings, stopped after."""
    process = spawn_worker({}, concurrency=1, log_path=tmp_path / "worker.log")
    try:
        yield
    finally:
        stop_worker(process)
