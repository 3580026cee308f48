"""Slow work never holds the event loop: /healthz answers while logins and a CSV import are running (issue 18,
item 9). Against the app served by uvicorn in a thread; timing is relative (which finished first), never an
absolute threshold, and the slow work is known to be under way before /healthz is asked."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import update

from publisher import editing, editors
from publisher.store import Store
from publisher.store.models import User
from tests.publisher.web.conftest import csrf_of
from tests.support.web import LiveServer

LOGINS = 6
# A deliberately costly hash (about 0.3 s to verify on one core, little memory): each login is seconds of work
# with LOGINS of them sharing two cores.
SLOW = PasswordHasher(time_cost=100, memory_cost=8192, parallelism=1)


def entered(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> threading.Event:  # noqa: ANN401
    """An event set when the server starts running owner.name (the real one still runs)."""
    started = threading.Event()
    real: Callable[..., Any] = getattr(owner, name)

    def spy(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        started.set()
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return started


class _SpyHasher:
    """The real PasswordHasher, setting an event when a verification starts."""

    def __init__(self, real: PasswordHasher, started: threading.Event) -> None:
        self.real, self.started = real, started

    def verify(self, *args: Any) -> Any:  # noqa: ANN401
        self.started.set()
        return self.real.verify(*args)

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401
        return getattr(self.real, name)


def healthz_during(live_server: LiveServer, started: threading.Event, slow: list[Callable[[], None]]) -> dict:
    """Run the slow requests in threads; once the server is inside the slow work, ask /healthz. When each ended."""
    finished: dict[str, float] = {}

    def run(key: str, call: Callable[[], None]) -> None:
        call()
        finished[key] = time.monotonic()

    threads = [threading.Thread(target=run, args=(f"slow{i}", call)) for i, call in enumerate(slow)]
    for thread in threads:
        thread.start()
    assert started.wait(60), "the slow work never started"
    assert httpx.get(f"{live_server.url}/healthz", timeout=120).json() == {"status": "ok"}
    finished["healthz"] = time.monotonic()
    for thread in threads:
        thread.join(180)
    return finished


@pytest.mark.timeout(240)
def test_healthz_answers_while_logins_are_hashing(
    live_server: LiveServer, store: Store, monkeypatch: pytest.MonkeyPatch
):
    names = [f"editor{i}" for i in range(LOGINS)]
    for name in names:
        editors.add_user(store, name, "correct horse battery")
    with store.session() as session:  # every login verifies against the costly hash
        session.execute(update(User).values(password_hash=SLOW.hash("correct horse battery")))
    clients = [httpx.Client(base_url=live_server.url, timeout=180) for _ in names]
    forms = [csrf_of(client.get("/login").text) for client in clients]
    started = threading.Event()
    monkeypatch.setattr(editors, "_hasher", _SpyHasher(editors._hasher, started))

    def login(i: int) -> Callable[[], None]:
        def call() -> None:
            data = {"csrf_token": forms[i], "username": names[i], "password": "wrong password here"}
            assert clients[i].post("/login", data=data).status_code == 401

        return call

    finished = healthz_during(live_server, started, [login(i) for i in range(LOGINS)])
    for client in clients:
        client.close()

    assert len(finished) == LOGINS + 1
    assert finished["healthz"] < min(t for key, t in finished.items() if key != "healthz")


@pytest.mark.timeout(240)
def test_healthz_answers_while_a_csv_import_runs(
    live_server: LiveServer, editor: httpx.Client, store: Store, monkeypatch: pytest.MonkeyPatch
):
    rows = "".join(f"reader{i:06d}@example.com,Reader {i}\n" for i in range(20_000))
    data = ("email,name\n" + rows).encode()
    token = csrf_of(editor.get("/editor/subscribers").text)
    started = entered(monkeypatch, editing, "read_csv_bytes")

    def upload() -> None:
        files = {"file": ("big.csv", data, "text/csv")}
        answer = editor.post("/editor/subscribers/import", data={"csrf_token": token, "list": "big"}, files=files)
        assert answer.status_code == 200 and "20000 added to big" in answer.text

    finished = healthz_during(live_server, started, [upload])

    assert finished["healthz"] < finished["slow0"]
