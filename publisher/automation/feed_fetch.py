"""Fetching a feed: one conditional GET with httpx, a short timeout, a few redirects and a size cap.

The ETag and Last-Modified of the previous answer go back as If-None-Match and If-Modified-Since, so a feed
that did not change answers 304 with no body and costs nothing to read. A body over the cap is refused while
it streams in, before it is all in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from publisher import __version__
from publisher.errors import PublisherError

MAX_REDIRECTS = 5


class FetchFailed(PublisherError):
    """The feed could not be fetched: a timeout, a refused connection, an error status, a body too big.

    `status` is the HTTP status when there was an answer (None for a network error); every failure is
    retried by the next poll, later each time (publisher.automation.feeds backs off).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def shown_url(url: str) -> str:
    """The URL as messages and logs show it: a user name and password in it (https://user:pw@host/) left out."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return "(an invalid URL)"
    return str(parsed.copy_with(username=None, password=None)) if parsed.userinfo else url


@dataclass(frozen=True)
class Fetched:
    status: int  # 200..299, or 304 (not modified: body empty)
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def fetch(
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    timeout: float,
    max_bytes: int,
) -> Fetched:
    """GET the feed conditionally; FetchFailed (with the status, if any) for anything but a 2xx or a 304."""
    headers = {
        "User-Agent": f"publisher/{__version__} (feed reader)",
        "Accept": "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.8",
    }
    shown = shown_url(url)
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=MAX_REDIRECTS) as client,
            client.stream("GET", url, headers=headers) as answer,
        ):
            if answer.status_code == 304:
                return Fetched(304, b"", "", etag, last_modified)
            if not 200 <= answer.status_code < 300:
                reason = answer.reason_phrase or "error"
                raise FetchFailed(f"{shown} answered {answer.status_code} {reason}", status=answer.status_code)
            declared = answer.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchFailed(f"{shown}: the feed is {int(declared)} bytes, over the limit of {max_bytes}", 413)
            chunks, size = [], 0
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchFailed(f"{shown}: the feed is over the limit of {max_bytes} bytes", 413)
                chunks.append(chunk)
            return Fetched(
                answer.status_code,
                b"".join(chunks),
                answer.headers.get("content-type", ""),
                answer.headers.get("etag"),
                answer.headers.get("last-modified"),
            )
    except httpx.TooManyRedirects:
        raise FetchFailed(f"{shown}: more than {MAX_REDIRECTS} redirects") from None
    except httpx.TimeoutException:
        raise FetchFailed(f"{shown}: no answer within {timeout:g} s (timeout)") from None
    except httpx.InvalidURL as exc:
        raise FetchFailed(f"{shown}: not a URL that can be fetched ({exc})") from None
    except httpx.HTTPError as exc:
        raise FetchFailed(f"{shown}: {type(exc).__name__}: {exc}") from None
