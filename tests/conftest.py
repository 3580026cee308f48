from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from publisher.config import Settings
from publisher.store import Store
from tests.support.browser import launched
from tests.support.services import postgres_database
from tests.support.smtp import SmtpServer
from tests.support.stores import migrated_sqlite

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEED = PROJECT_ROOT / "examples" / "articles" / "us-rejects-netanyahu-request.txt"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No PUBLISHER_* setting leaks in from the developer's shell; each test gets its own data dir."""
    for key in list(os.environ):
        if key.startswith("PUBLISHER_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("PUBLISHER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PUBLISHER_FROM", "The Test Desk <news@example.org>")
    monkeypatch.setenv("PUBLISHER_BASE_URL", "https://news.example.org")
    monkeypatch.setenv("PUBLISHER_SECRET_KEY", "test-secret-key")
    # Opens and clicks written before their answer goes, so a test reads them at once; the batches (the
    # default) have their own tests (tests/publisher/insight/test_recording.py).
    monkeypatch.setenv("PUBLISHER_TRACKING_FLUSH_SECONDS", "0")


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    """The test's SQLite store in its data directory, at the schema's head (a copy of a migrated template)."""
    migrated_sqlite(settings.resolved_database_url)
    store = Store(settings.resolved_database_url)
    yield store
    store.dispose()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def seed_path() -> Path:
    return SEED


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, store: Store) -> Iterator[Store]:
    """The test's SQLite store, then a fresh PostgreSQL one (which refuses some text SQLite takes, a NUL for one)."""
    if request.param == "sqlite":
        yield store
        return
    with postgres_database(migrated=True) as url:
        pg = Store(url)
        try:
            yield pg
        finally:
            pg.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the test module (tests/support/browser.py); each test opens its own pages."""
    with launched() as launched_browser:
        yield launched_browser
