from collections.abc import Iterator

import httpx
import pytest

from publisher.config import Settings
from publisher.store import Store
from publisher.web import create_app
from tests.support.web import LiveServer


@pytest.fixture
def live_server(settings: Settings, store: Store) -> Iterator[LiveServer]:
    server = LiveServer(create_app(settings, store)).start()
    yield server
    server.stop()


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=10, follow_redirects=False) as client:
        yield client
