"""A webhook receiver for the event webhook tests: a real HTTP server on 127.0.0.1 that answers scripted statuses.

Every request is kept (headers, body, the status answered); `acknowledged()` is what a deduplicating
receiver would have processed: the 2xx-answered requests, one per webhook-id.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


class HookReceiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._script: list[int] = []
        self.headers: dict[str, str] = {}  # sent with every answer (e.g. Retry-After)
        self.delay = 0.0  # seconds before answering (longer than the client's timeout: no answer)
        self._fail_each = 0  # every webhook-id's first this many requests answer 500
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    msg_id = self.headers.get("webhook-id", "")
                    seen = sum(1 for r in receiver.requests if r.headers.get("webhook-id") == msg_id)
                    status = receiver._script.pop(0) if receiver._script else 200
                    if seen < receiver._fail_each:
                        status = 500
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, status)
                    )
                    receiver._arrived.notify_all()
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    for name, value in receiver.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/publisher"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def answer(self, *statuses: int) -> None:
        """The next requests get these statuses, in order; after them, 200."""
        with self._lock:
            self._script.extend(statuses)

    def fail_each(self, times: int) -> None:
        """Answer every webhook-id's first `times` requests with 500, then 200."""
        with self._lock:
            self._fail_each = times

    def acknowledged(self) -> dict[str, Received]:
        """Per webhook-id, the first request answered with a 2xx."""
        out: dict[str, Received] = {}
        for r in list(self.requests):
            if 200 <= r.status < 300:
                out.setdefault(r.webhook_id, r)
        return out

    def wait_for(self, predicate: object, timeout: float = 60.0) -> None:
        """Wait until predicate(receiver) holds (an event, not a sleep)."""
        assert callable(predicate)
        with self._arrived:
            if not self._arrived.wait_for(lambda: predicate(self), timeout):
                statuses = [r.status for r in self.requests]
                raise TimeoutError(f"the receiver got {len(statuses)} requests: {statuses}")


@contextmanager
def hook_receiver() -> Iterator[HookReceiver]:
    receiver = HookReceiver()
    receiver._thread.start()
    try:
        yield receiver
    finally:
        receiver.httpd.shutdown()
        receiver.httpd.server_close()
