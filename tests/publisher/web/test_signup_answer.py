"""The signup's answer reveals nothing (issue 18, item 13): the same status and body for an unknown list, a new
address, an active subscriber and a suppressed one, given before any database work, which happens after the
answer (publisher/web/signups.py); a bad address is still a 422 naming it, since that depends on the input."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from publisher import subscribers
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Campaign, Subscriber, Subscription
from publisher.suppression import suppress
from publisher.web import create_app
from publisher.web.signups import SignupJob, SignupQueue
from tests.support.factories import RecordingDispatcher, subscribe
from tests.support.web import LiveServer, eventually


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_SIGNUP_RATE_LIMIT", "100")
    return Settings()


@pytest.fixture
def app(settings: Settings, store: Store) -> FastAPI:
    app = create_app(settings, store)
    app.state.dispatcher = RecordingDispatcher()
    return app


@pytest.fixture
def http(app: FastAPI) -> Iterator[httpx.Client]:
    server = LiveServer(app).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10, follow_redirects=False) as client:
            yield client
    finally:
        server.stop()


@pytest.fixture
def readers(store: Store) -> list[str]:
    """A list with one active subscriber, and a suppressed address."""
    [active] = subscribe(store, "readers", 1)
    with store.session() as session:
        suppress(session, "gone@example.com", "hard_bounce", source="test")
    return [active]


def campaigns_count(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Campaign))


def status_of(store: Store, address: str, list_name: str = "readers") -> str | None:
    with store.session() as session:
        return session.scalar(
            select(Subscription.status)
            .join(Subscriber)
            .where(Subscriber.email == address, Subscription.list_id == subscribers.get_list(session, list_name).id)
        )


def test_the_json_answer_is_the_same_whatever_the_list_and_the_address(
    http: httpx.Client, app: FastAPI, store: Store, readers: list[str]
):
    cases = {
        "unknown list": {"email": "new@example.com", "list": "secret-list"},
        "new address": {"email": "new@example.com", "list": "readers"},
        "active subscriber": {"email": readers[0], "list": "readers"},
        "suppressed address": {"email": "gone@example.com", "list": "readers"},
        "the same new address again": {"email": "new@example.com", "list": "readers"},
    }
    answers = {case: http.post("/api/subscribe", json=body) for case, body in cases.items()}

    assert {(a.status_code, a.content) for a in answers.values()} == {
        (202, b'{"status":"pending","detail":"check your inbox for the confirmation link"}')
    }
    assert len({tuple(sorted(a.headers.keys())) for a in answers.values()}) == 1  # no telling header either

    # What happened is stored once the queue has worked through it: one confirmation, for the new address.
    eventually(lambda: status_of(store, "new@example.com") == "unconfirmed")
    assert app.state.signups.drain()
    assert campaigns_count(store) == 1
    assert status_of(store, readers[0]) == "active" and status_of(store, "gone@example.com") is None
    assert len(app.state.dispatcher.calls) == 1


def test_the_form_answer_is_the_same_whatever_the_list_and_the_address(
    http: httpx.Client, app: FastAPI, store: Store, readers: list[str]
):
    def answer(email: str, list_name: str) -> tuple[int, str]:
        response = http.post("/subscribe", data={"email": email, "list": list_name})
        return response.status_code, response.text.replace(email, "ADDRESS")  # the page repeats the address

    answers = {
        answer("new@example.com", "secret-list"),
        answer("new@example.com", "readers"),
        answer(readers[0], "readers"),
        answer("gone@example.com", "readers"),
    }
    [(status, page)] = answers
    assert status == 200 and "Check your inbox" in page and "secret-list" not in page
    assert app.state.signups.drain()
    assert status_of(store, "new@example.com") == "unconfirmed" and campaigns_count(store) == 1


def test_a_bad_address_or_name_is_still_a_422_naming_it(http: httpx.Client, store: Store):
    bad = http.post("/api/subscribe", json={"email": "a@b", "list": "no-such-list"})
    assert bad.status_code == 422 and "'a@b' is not a valid email address" in bad.json()["error"]
    form = http.post("/subscribe", data={"email": "not-an-address", "list": "no-such-list"})
    assert form.status_code == 422 and "is not a valid email address" in form.text
    name = http.post("/api/subscribe", json={"email": "ok@example.com", "name": "Eve\r\nBcc: x", "list": "x"})
    assert name.status_code == 422 and "line break" in name.json()["error"]


@contextmanager
def store_held(monkeypatch: pytest.MonkeyPatch, store: Store) -> Iterator[list[str]]:
    """Every store session waits until the block ends; yields the names of the threads that asked for one."""
    gate = threading.Event()
    askers: list[str] = []
    real = store.session

    @contextmanager
    def held() -> Iterator[object]:
        askers.append(threading.current_thread().name)
        assert gate.wait(20), "the store was held too long"
        with real() as session:
            yield session

    monkeypatch.setattr(store, "session", held)
    try:
        yield askers
    finally:
        gate.set()


@pytest.mark.parametrize("list_name", ["readers", "secret-list"])
def test_the_answer_comes_while_the_store_is_held(
    http: httpx.Client, app: FastAPI, store: Store, readers: list[str], monkeypatch: pytest.MonkeyPatch, list_name: str
):
    """No database work before the answer: it arrives while every store session is made to wait."""
    with store_held(monkeypatch, store) as askers:
        api = http.post("/api/subscribe", json={"email": "held@example.com", "list": list_name}, timeout=5)
        form = http.post("/subscribe", data={"email": "held2@example.com", "list": list_name}, timeout=5)
        assert api.status_code == 202 and form.status_code == 200
        assert set(askers) <= {"publisher-signups"}  # only the queue's thread asked for the store, if at all
    assert app.state.signups.drain()
    assert set(askers) == {"publisher-signups"}
    expected = "unconfirmed" if list_name == "readers" else None
    assert status_of(store, "held@example.com") == expected and status_of(store, "held2@example.com") == expected


def test_a_full_queue_is_a_503_whoever_signs_up(
    http: httpx.Client, app: FastAPI, store: Store, readers: list[str], monkeypatch: pytest.MonkeyPatch
):
    release = threading.Event()
    small = SignupQueue(lambda job: release.wait(20), max_pending=1)
    monkeypatch.setattr(app.state, "signups", small)
    try:
        assert http.post("/api/subscribe", json={"email": "a@example.com", "list": "readers"}).status_code == 202
        eventually(lambda: small._jobs.qsize() == 0)  # the one job is being handled, the queue is empty again
        assert http.post("/api/subscribe", json={"email": "b@example.com", "list": "readers"}).status_code == 202
        busy = http.post("/api/subscribe", json={"email": readers[0], "list": "readers"})
        assert busy.status_code == 503 and busy.headers["retry-after"] == "60"
        assert "try again" in busy.json()["error"]
    finally:
        release.set()
        small.close()


def test_the_queue_handles_jobs_in_order_survives_a_failure_and_finishes_on_close():
    done: list[str] = []

    def handle(job: SignupJob) -> None:
        if job.email == "boom@example.com":
            raise RuntimeError("boom")
        done.append(job.email)

    jobs = SignupQueue(handle)
    for address in ("a@example.com", "boom@example.com", "b@example.com"):
        assert jobs.submit(SignupJob(address, "", "readers", "test"))
    jobs.close()
    assert done == ["a@example.com", "b@example.com"] and jobs.pending() == 0
