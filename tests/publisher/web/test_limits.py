"""Request bodies are limited per route, while they stream in, and errors never echo the input (issue 18, item 7).

Against the real app served by uvicorn: the limit is a property of what the server reads, so the raw-socket
tests count the bytes the client managed to send before the 413 came back.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from publisher import editors
from publisher.store import Store
from tests.support.web import LiveServer

KiB, MiB = 1024, 1024 * 1024


@pytest.fixture(autouse=True)
def _webhook_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLISHER_BOUNCE_WEBHOOK_SECRET", "hook-secret")


@pytest.fixture
def webhook(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, headers={"Authorization": "Bearer hook-secret"}, timeout=30) as client:
        yield client


@pytest.fixture
def api(live_server: LiveServer, store: Store) -> Iterator[httpx.Client]:
    editors.add_user(store, "robot", "a long enough password")
    token = editors.create_token(store, "robot", "tests")
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        yield client


ROUTES = [
    # (method, path, limit, who asks): the limits the README's security section lists
    ("POST", "/api/subscribe", 16 * KiB, "anyone"),
    ("POST", "/subscribe", 16 * KiB, "anyone"),
    ("POST", "/login", 64 * KiB, "anyone"),
    ("POST", "/preferences/some-token", 64 * KiB, "anyone"),
    ("POST", "/webhooks/bounces", 10 * MiB, "webhook"),
    ("POST", "/api/campaigns/send", 64 * KiB, "api"),
    ("POST", "/api/subscribers", 4 * MiB, "api"),
    ("POST", "/api/articles", 6 * MiB, "api"),
    ("PATCH", "/api/articles/1", 6 * MiB, "api"),
    ("POST", "/editor/articles/import", 6 * MiB, "editor"),
    ("POST", "/editor/articles/1", 6 * MiB, "editor"),
    ("POST", "/editor/subscribers/add", 4 * MiB, "editor"),
    ("POST", "/editor/subscribers/import", 32 * MiB, "editor"),
    ("POST", "/editor/tokens", 64 * KiB, "editor"),
]


@pytest.mark.parametrize(("method", "path", "limit", "who"), ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
def test_each_route_refuses_a_body_over_its_limit_with_a_short_413(
    request: pytest.FixtureRequest, http: httpx.Client, method: str, path: str, limit: int, who: str
):
    client = http if who == "anyone" else request.getfixturevalue(who)
    headers = {"Content-Type": "application/json" if path.startswith("/api/") else "application/x-www-form-urlencoded"}

    over = client.request(method, path, content=b"x" * (limit + 1), headers=headers)
    within = client.request(method, path, content=b"x" * limit, headers=headers)

    assert over.status_code == 413
    assert len(over.content) < 100 and "Content Too Large" in over.text
    assert within.status_code != 413


def raw_request(live_server: LiveServer, head: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", live_server.port), timeout=10)
    sock.sendall(head.replace("\n", "\r\n").encode())
    return sock


def read_status(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1])


def test_a_body_announced_over_the_limit_is_refused_before_a_byte_of_it_is_sent(live_server: LiveServer):
    sock = raw_request(
        live_server,
        "POST /api/subscribe HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: 300000000\n\n",
    )
    with sock:
        assert read_status(sock) == 413  # the server did not wait for 300 MB


@pytest.mark.timeout(120)
def test_a_chunked_body_is_counted_while_it_streams(live_server: LiveServer):
    """64 MB offered in 64 KiB chunks: the 413 comes back after the first few, not after all of them."""
    sock = raw_request(
        live_server,
        "POST /api/subscribe HTTP/1.1\nHost: x\nContent-Type: application/json\nTransfer-Encoding: chunked\n\n",
    )
    chunk = b"%x\r\n%s\r\n" % (64 * KiB, b" " * (64 * KiB))
    sent, offered, answered = 0, 64 * MiB, False
    deadline = time.monotonic() + 90
    with sock:
        sock.settimeout(5)
        while sent < offered and time.monotonic() < deadline:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                answered = True
                break
            try:
                sock.sendall(chunk)
            except OSError:  # the server answered and closed while we were still sending
                answered = True
                break
            sent += 64 * KiB
        if not answered:
            sock.sendall(b"0\r\n\r\n")
        status = read_status(sock)
    assert status == 413
    # Socket buffers on loopback hold a few MB; a server reading the whole body would have taken all 64.
    assert sent < 24 * MiB


def test_validation_errors_do_not_echo_the_input(http: httpx.Client, api: httpx.Client):
    marker = "ECHO-ME-" * 1000
    public = http.post("/api/subscribe", json={"email": [marker], "name": {"x": marker}})
    private = api.post("/api/campaigns/send", json={"article_ids": [marker], "list_name": "x"})
    broken = http.post(
        "/api/subscribe", content=b'{"email": "' + marker.encode(), headers={"Content-Type": "application/json"}
    )

    for answer in (public, private, broken):
        assert answer.status_code == 422
        assert "ECHO-ME" not in answer.text
        errors = answer.json()["detail"]
        assert errors and all(set(error) == {"loc", "msg", "type"} for error in errors)
    assert ["body", "email"] in [e["loc"] for e in public.json()["detail"]]
