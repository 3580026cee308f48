"""Each worker test builds the worker's Services from its own environment."""

from collections.abc import Iterator

import pytest

from workers import tasks


@pytest.fixture(autouse=True)
def fresh_services() -> Iterator[None]:
    tasks.services.cache_clear()  # built from this test's environment on first use
    yield
    if tasks.services.cache_info().currsize:
        tasks.services().store.dispose()
    tasks.services.cache_clear()
