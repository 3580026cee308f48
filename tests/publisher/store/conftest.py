"""The store's tests run on both databases: a fresh SQLite file, and a private PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.services import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
    else:
        with postgres_database() as url:
            yield url
