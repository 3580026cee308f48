from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from publisher.clock import FixedClock
from publisher.config import Settings
from publisher.runtime import Services
from publisher.store import Store
from tests.publisher.automation.feed_server import FeedServer
from tests.support.factories import RecordingDispatcher

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def feed_server(tmp_path: Path) -> Iterator[FeedServer]:
    folder = tmp_path / "www"
    folder.mkdir()
    server = FeedServer(folder).start()
    yield server
    server.stop()


@pytest.fixture
def feed_services(settings: Settings, any_store: Store) -> Services:
    """Services on SQLite, then PostgreSQL, at a fixed time; batches go to a recording dispatcher."""
    return Services(settings, any_store, clock=FixedClock(NOW), _dispatcher=RecordingDispatcher())
