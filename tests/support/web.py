"""The web app served for real (uvicorn in a thread on a free port), for HTTP and browser tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI

from tests.support.services import free_port

if TYPE_CHECKING:
    from publisher.config import Settings
    from publisher.store import Store


class LiveServer:
    def __init__(self, app: FastAPI, port: int | None = None) -> None:
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web app did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def eventually(check: Callable[[], object], timeout: float = 10.0, interval: float = 0.02) -> None:
    """Wait until check() is true (work the app does after its answer, e.g. a queued signup); fail after timeout."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {getattr(check, '__name__', check)}")
        time.sleep(interval)


@contextmanager
def serving(settings: Settings, store: Store) -> Iterator[LiveServer]:
    """The whole app on these settings and store, served for real; its dispatcher (if it made one) closed after."""
    from publisher.web import create_app

    app = create_app(settings, store)
    live = LiveServer(app).start()
    try:
        yield live
    finally:
        live.stop()
        if app.state.dispatcher is not None:
            app.state.dispatcher.close()
