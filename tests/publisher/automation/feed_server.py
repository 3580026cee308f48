"""A real HTTP file server for feed tests: files from a folder, with ETag and Last-Modified, in a thread.

It answers a conditional GET as a web server does (304 when If-None-Match names the file's ETag, or when
If-Modified-Since is not older than the file), counts requests, and can be told to answer an error status
instead (`fail_with`), e.g. 500 or 429, to see a feed back off.
"""

from __future__ import annotations

import hashlib
import threading
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TYPES = {".xml": "application/rss+xml", ".atom": "application/atom+xml", ".json": "application/feed+json"}


class FeedServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[dict[str, str]] = []  # the headers of each request, in order
        self.fail_with: int | None = None
        self.mtime = 1_700_000_000.0  # Last-Modified moves only when a test writes a file (write())
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - the http.server name
                server.requests.append(dict(self.headers.items()))
                if server.fail_with is not None:
                    self.send_response(server.fail_with)
                    self.send_header("Retry-After", "60")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                path = server.root / self.path.lstrip("/").split("?", 1)[0]
                if not path.is_file():
                    self.send_error(404)
                    return
                body = path.read_bytes()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                modified = formatdate(server.mtime, usegmt=True)
                since = self.headers.get("If-Modified-Since")
                unchanged = self.headers.get("If-None-Match") == etag or (
                    since is not None
                    and self.headers.get("If-None-Match") is None
                    and parsedate_to_datetime(since).timestamp() >= int(server.mtime)
                )
                if unchanged:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", TYPES.get(path.suffix, "application/octet-stream"))
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", modified)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def write(self, name: str, content: str | bytes) -> str:
        """Put a file on the server (a new Last-Modified); returns its URL."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        (self.root / name).write_bytes(data)
        self.mtime += 60
        return f"{self.url}/{name}"

    def start(self) -> FeedServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def rss(count: int, *, title: str = "Harbour news", start: int = 1, extra: str = "") -> str:
    """An RSS 2.0 feed of `count` items, newest first, with GUIDs, links, dates and HTML descriptions."""
    items = []
    for n in reversed(range(start, start + count)):
        items.append(
            f"<item><title>Story {n}</title><link>https://news.example.net/story-{n}</link>"
            f'<guid isPermaLink="false">story-{n}</guid>'
            f"<pubDate>{formatdate(1_700_000_000 + n * 3600, usegmt=True)}</pubDate>"
            f"<description><![CDATA[<p>The body of story {n}, a sentence long.</p>]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://news.example.net/</link><description>News</description>"
        f"{extra}{''.join(items)}</channel></rss>"
    )
