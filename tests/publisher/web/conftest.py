import re
from collections.abc import Iterator

import httpx
import pytest

from publisher import editors
from publisher.config import Settings
from publisher.store import Store
from publisher.web import create_app
from tests.support.factories import RecordingDispatcher
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


# --- editor sessions (issue 7) ---

EDITOR = "editor"
PASSWORD = "correct horse battery"


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def log_in(client: httpx.Client, username: str = EDITOR, password: str = PASSWORD) -> httpx.Response:
    form = client.get("/login")
    return client.post("/login", data={"csrf_token": csrf_of(form.text), "username": username, "password": password})


@pytest.fixture
def editor_user(store: Store) -> str:
    editors.add_user(store, EDITOR, PASSWORD)
    return EDITOR


@pytest.fixture
def editor(live_server: LiveServer, editor_user: str) -> Iterator[httpx.Client]:
    """A logged-in browser-like client."""
    with httpx.Client(base_url=live_server.url, timeout=10, follow_redirects=False) as client:
        assert log_in(client).status_code == 303
        yield client


@pytest.fixture
def dispatcher(live_server: LiveServer) -> RecordingDispatcher:
    recording = RecordingDispatcher()
    live_server.app.state.dispatcher = recording
    return recording


@pytest.fixture
def robot_api(live_server: LiveServer, store: Store, dispatcher: RecordingDispatcher) -> Iterator[httpx.Client]:
    """An API client with a token of the user "robot"; batches go to the recording dispatcher."""
    editors.add_user(store, "robot", "a long enough password")
    token = editors.create_token(store, "robot", "tests")
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        yield client
