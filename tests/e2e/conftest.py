"""Fixtures the end-to-end tests share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.services import postgres_database, redis_database


@pytest.fixture(params=["sqlite+filesystem:1", "postgresql+redis:2"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[dict[str, str], int]]:
    """The worker processes' settings and how many to start: the embedded default with one worker, and
    PostgreSQL + Redis with two (a real test database and Redis database each, dropped after)."""
    name, workers = request.param.split(":")
    with ExitStack() as stack:
        if name == "sqlite+filesystem":
            env = {"PUBLISHER_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'publisher.db'}"}
        else:
            env = {
                "PUBLISHER_DATABASE_URL": stack.enter_context(postgres_database()),
                "PUBLISHER_BROKER_URL": stack.enter_context(redis_database()),
            }
        yield env, int(workers)
