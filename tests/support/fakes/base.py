"""The fake servers' common part: a threaded HTTP server on 127.0.0.1, scripted failures, request parsing.

Each fake (one module per network in this package) checks what the real service checks (OAuth 1.0a
signatures, bearer tokens, idempotency keys, sessions and record shapes, webhook signatures) and records
what it accepted. A test scripts failures with `fake.script(...)`: each entry answers one post request,
then the server behaves normally again:

    "rate_limit"  429 with the network's reset headers (reset `rate_limit_wait` seconds from now)
    "duplicate"   403 duplicate content (X)
    "error"       500
    "slow"        sleeps `slow_seconds` before answering normally (longer than the client's timeout)
    "unauthorized" 401

`fake.fail_post(n)` scripts the nth post request from now to answer 500 (the ones before it answer
normally): a thread whose second part fails is `fail_post(2)`.

`fake.script_media(...)` does the same for media uploads (X, Mastodon, Bluesky), so a test can fail an
upload without touching the post that follows it; Mastodon's media script also takes "processing" (202,
processed after `processing_polls` status checks).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import regex

GRAPHEME = regex.compile(r"\X")
URL = regex.compile(r"https?://\S+")
# The first bytes of the image formats the media store keeps, as servers sniff them.
_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif"}


def sniff(data: bytes) -> str | None:
    """The image type the bytes are, by their signature (WebP: RIFF....WEBP), or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in _MAGIC.items() if data.startswith(magic)), None)


def multipart(headers: Any, body: bytes) -> dict[str, tuple[bytes, str | None]]:
    """A multipart/form-data body: each part's name -> (bytes, its content type or None for a plain field)."""
    head = f"Content-Type: {headers.get('Content-Type', '')}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    parts: dict[str, tuple[bytes, str | None]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        has_file = part.get_param("filename", header="content-disposition") is not None
        parts[str(name)] = (data, part.get_content_type() if has_file else None)
    return parts


class Reply(Exception):
    """Raised inside a handler to answer with a status, JSON body and headers."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


class FakeServer:
    """A threaded HTTP server; subclasses implement `handle(method, path, query, headers, body)`."""

    rate_limit_wait = 2
    slow_seconds = 3.0

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.rejections: list[str] = []  # every check that failed, with why
        self.post_attempts = 0
        self._script: list[str] = []
        self._media_script: list[str] = []
        self._lock = threading.Lock()
        self._idle = threading.Condition()
        self._in_flight = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                with fake._idle:
                    fake._in_flight += 1
                try:
                    self._answer()
                finally:
                    with fake._idle:
                        fake._in_flight -= 1
                        fake._idle.notify_all()

            def _answer(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    status, payload, headers = (
                        200,
                        fake.handle(self.command, parts.path, dict(parse_qsl(parts.query)), self.headers, body),
                        {},
                    )
                except Reply as reply:
                    status, payload, headers = reply.status, reply.body, reply.headers
                    if status in (400, 401) and isinstance(payload, dict):
                        fake.rejections.append(str(payload))
                data = json.dumps(payload).encode() if payload is not None else b""
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until no request is being handled (a slow answer the client gave up on has finished)."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout):
                raise TimeoutError("the fake server is still handling a request")

    def script(self, *modes: str) -> None:
        with self._lock:
            self._script.extend(modes)

    def fail_post(self, n: int) -> None:
        """The nth post request from now answers 500; the n - 1 before it are answered normally."""
        self.script(*["ok"] * (n - 1), "error")

    def script_media(self, *modes: str) -> None:
        with self._lock:
            self._media_script.extend(modes)

    def media_scripted(self) -> str:
        """Consume one scripted mode for a media upload ("error" answers 500, "unauthorized" 401)."""
        with self._lock:
            mode = self._media_script.pop(0) if self._media_script else "ok"
        if mode == "error":
            raise Reply(500, {"error": "InternalServerError", "message": "try later"})
        if mode == "unauthorized":
            raise Reply(401, {"error": "Unauthorized", "message": "bad credentials"})
        return mode

    def _next_mode(self) -> str:
        with self._lock:
            self.post_attempts += 1
            return self._script.pop(0) if self._script else "ok"

    def scripted(self) -> str:
        """Consume one scripted mode for a post request; "slow" sleeps here and then answers normally."""
        mode = self._next_mode()
        if mode == "slow":
            time.sleep(self.slow_seconds)
        if mode == "error":
            raise Reply(500, {"error": "InternalServerError", "message": "try later"})
        if mode == "unauthorized":
            raise Reply(401, {"error": "Unauthorized", "message": "bad credentials"})
        return mode

    def handle(self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes) -> Any:
        raise NotImplementedError


@contextmanager
def running(server: FakeServer) -> Iterator[FakeServer]:
    server.start()
    try:
        yield server
    finally:
        server.stop()
