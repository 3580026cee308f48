"""The open pixel and the click redirect answered in front of FastAPI (issue 17), before any of its middleware.

After a large campaign, mail privacy proxies fetch every pixel and link scanners follow every link within
minutes. `GET /o/<token>.gif` and `GET|HEAD /r/<token>` are answered here, from the token and
publisher.insight.capture's link cache, with the headers the rest of the app sends (SECURITY_HEADERS, HSTS
over https) and the routes' own (no-store, no referrer); the event goes to the process's recorder and is
written in a batch. Nothing else is: what is not a valid token of a known link (a 404 page, which FastAPI
renders), a link not cached yet (its one read, in FastAPI's thread pool), a flush interval of 0 (the write
before the answer), and every other path go on to the app (publisher/web/routes/tracking.py: the same
Capture, so both answer alike).
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from starlette.types import Scope, Send

from publisher.insight.capture import Capture, Hit, Link
from publisher.web.security import HSTS, SECURITY_HEADERS

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")  # 1x1, transparent
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
_SAFE = ":/%#?=@[]!$&'()*+,;"  # what Starlette's RedirectResponse leaves unquoted in a Location


def answer_headers(https: bool, own: dict[str, str]) -> list[tuple[bytes, bytes]]:
    """An answer's own headers, then SECURITY_HEADERS (and HSTS) where it sets none of its own."""
    headers = dict(own)
    for name, value in [*SECURITY_HEADERS.items(), *([("Strict-Transport-Security", HSTS)] if https else [])]:
        headers.setdefault(name, value)
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


class TrackingFastPath:
    """Answers cached pixels and redirects itself (`handle` is True); the app answers everything else."""

    def __init__(self, capture: Capture, *, https: bool) -> None:
        self.capture = capture
        self.https = https
        self._pixel = [
            *answer_headers(https, {**NO_STORE, "Content-Type": "image/gif"}),
            (b"content-length", str(len(PIXEL)).encode()),
        ]
        self._redirect = [*answer_headers(https, NO_STORE), (b"content-length", b"0")]

    async def handle(self, scope: Scope, send: Send) -> bool:
        """Answer this HTTP request if it is a pixel or a cached link's redirect; False: the app answers it."""
        if self.capture.recorder.interval <= 0:
            return False
        path: str = scope["path"]
        method: str = scope["method"]
        if path.startswith("/o/") and method == "GET" and "/" not in path[3:]:
            if self._open(path[3:], scope):
                await self._send(send, 200, self._pixel, PIXEL)
                return True
        elif path.startswith("/r/") and method in ("GET", "HEAD") and "/" not in path[3:]:
            url = self._click(path[3:], scope)
            if url is not None:
                location = (b"location", quote(url, safe=_SAFE).encode("latin-1"))
                await self._send(send, 302, [location, *self._redirect], b"")
                return True
        return False

    def _open(self, text: str, scope: Scope) -> bool:
        """True: answered (the pixel; the open recorded when the token is good); False: the app answers."""
        token = self.capture.parse_open(text)
        if token is None:
            return True  # a forged pixel: the same GIF, nothing touched
        link = self.capture.cached_link(token)
        if link is False:
            return False  # the campaign's first pixel in this process: its read happens in the app
        if isinstance(link, Link):
            self.capture.record(token, link, _hit(scope))
        return True

    def _click(self, text: str, scope: Scope) -> str | None:
        token = self.capture.parse_click(text)
        link = self.capture.cached_link(token) if token is not None else None
        if token is None or not isinstance(link, Link):
            return None  # forged, unknown or not cached yet: the app answers (its 404 page, or the read)
        self.capture.record(token, link, _hit(scope))
        return link.url

    @staticmethod
    async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _hit(scope: Scope) -> Hit:
    agent = b""
    for name, value in scope["headers"]:
        if name == b"user-agent":
            agent = value
            break
    client = scope.get("client")
    return Hit(method=scope["method"], user_agent=agent.decode("latin-1"), ip=client[0] if client else "")
