"""Local fake servers for X, Mastodon, Bluesky and webhook receivers: real HTTP on 127.0.0.1.

Each checks what the real service checks (OAuth 1.0a signatures, bearer tokens, idempotency keys, sessions
and record shapes, webhook signatures) and records what it accepted. A test scripts failures with
`fake.script(...)`: each entry answers one post request, then the server behaves normally again:

    "rate_limit"  429 with the network's reset headers (reset `rate_limit_wait` seconds from now)
    "duplicate"   403 duplicate content (X)
    "error"       500
    "slow"        sleeps `slow_seconds` before answering normally (longer than the client's timeout)
    "unauthorized" 401
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import regex

_GRAPHEME = regex.compile(r"\X")
_URL = regex.compile(r"https?://\S+")


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


# --- X -------------------------------------------------------------------------------------------------


def _pct(value: str) -> str:
    return quote(value, safe="~-._")


class FakeX(FakeServer):
    """POST /2/tweets (and GET /2/users/me) with OAuth 1.0a (HMAC-SHA1) user context, checked against the public URL.

    Checks: the signature over method, https://api.twitter.com/2/tweets and the oauth_* parameters, with
    the consumer secret and token secret; the consumer key and access token; a timestamp within 5 minutes;
    a nonce never seen before; a JSON body with a text of at most 280 weighted characters. Posting the
    same text twice answers 403 duplicate, as X does.
    """

    def __init__(self, consumer_key: str, consumer_secret: str, access_token: str, access_secret: str) -> None:
        super().__init__()
        self.keys = (consumer_key, consumer_secret, access_token, access_secret)
        self._nonces: set[str] = set()
        self._next_id = 1790000000000000000
        self.credential_checks = 0

    def _verify_oauth(self, method: str, path: str, query: dict[str, str], headers: Any) -> None:
        auth = headers.get("Authorization", "")
        if not auth.startswith("OAuth "):
            raise Reply(401, {"title": "Unauthorized", "detail": "no OAuth header", "status": 401})
        params = {}
        for item in auth[6:].split(","):
            key, _, value = item.strip().partition("=")
            params[key] = _unquote(value.strip('"'))
        consumer_key, consumer_secret, token, token_secret = self.keys
        signature = params.pop("oauth_signature", "")
        if params.get("oauth_consumer_key") != consumer_key or params.get("oauth_token") != token:
            raise Reply(401, {"title": "Unauthorized", "detail": "unknown consumer key or token", "status": 401})
        if params.get("oauth_signature_method") != "HMAC-SHA1" or params.get("oauth_version", "1.0") != "1.0":
            raise Reply(401, {"title": "Unauthorized", "detail": "unsupported signature method", "status": 401})
        if abs(time.time() - int(params.get("oauth_timestamp", "0"))) > 300:
            raise Reply(401, {"title": "Unauthorized", "detail": "stale timestamp", "status": 401})
        nonce = params.get("oauth_nonce", "")
        if not nonce or nonce in self._nonces:
            raise Reply(401, {"title": "Unauthorized", "detail": "nonce reused", "status": 401})
        self._nonces.add(nonce)
        # The signature covers the public URL the client signed, whatever route brought it here.
        host = headers.get("Host", "api.twitter.com")
        base_uri = f"https://{host}{path}"
        pairs = sorted((_pct(k), _pct(v)) for k, v in [*params.items(), *query.items()])
        normalized = "&".join(f"{k}={v}" for k, v in pairs)
        base = "&".join([method.upper(), _pct(base_uri), _pct(normalized)])
        key = f"{_pct(consumer_secret)}&{_pct(token_secret)}".encode()
        expected = base64.b64encode(hmac.new(key, base.encode(), hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(expected, signature):
            raise Reply(401, {"title": "Unauthorized", "detail": "bad OAuth signature", "status": 401})

    def handle(self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes) -> Any:
        if (method, path) == ("GET", "/2/users/me"):  # the credentials check: signed like a post, posts nothing
            self._verify_oauth(method, path, query, headers)
            self.credential_checks += 1
            return {"data": {"id": "2244994945", "name": "The Test Desk", "username": "testdesk"}}
        if (method, path) != ("POST", "/2/tweets"):
            raise Reply(404, {"title": "Not Found"})
        self._verify_oauth(method, path, query, headers)
        mode = self.scripted()
        if mode == "rate_limit":
            reset = int(time.time()) + self.rate_limit_wait
            raise Reply(
                429,
                {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
                {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
            )
        data = json.loads(body or b"{}")
        text = data.get("text", "")
        from twitter_text import parse_tweet  # the reference implementation, not publisher.textrules

        if not text or not parse_tweet(text).valid:
            raise Reply(400, {"title": "Invalid Request", "detail": "text is empty or too long", "status": 400})
        if mode == "duplicate" or any(p["text"] == text for p in self.posts):
            raise Reply(
                403,
                {
                    "detail": "You are not allowed to create a Tweet with duplicate content.",
                    "type": "about:blank",
                    "title": "Forbidden",
                    "status": 403,
                },
            )
        self._next_id += 1
        self.posts.append({"id": str(self._next_id), "text": text})
        return {"data": {"id": str(self._next_id), "text": text, "edit_history_tweet_ids": [str(self._next_id)]}}


def _unquote(value: str) -> str:
    from urllib.parse import unquote

    return unquote(value)


# --- Mastodon ------------------------------------------------------------------------------------------


class FakeMastodon(FakeServer):
    """POST /api/v1/statuses (and GET /api/v1/accounts/verify_credentials) with a bearer token.

    Checks: the bearer token; a status of at most 500 characters (graphemes, URLs as 23); an
    Idempotency-Key, and a repeated key returns the first status without posting again (as Mastodon
    does for an hour).
    """

    def __init__(self, token: str, host: str = "social.example") -> None:
        super().__init__()
        self.token = token
        self.host = host
        self.idempotency_keys: list[str | None] = []
        self._by_key: dict[str, dict[str, Any]] = {}
        self.credential_checks = 0

    def handle(self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes) -> Any:
        if headers.get("Authorization") != f"Bearer {self.token}":
            raise Reply(401, {"error": "The access token is invalid"})
        if (method, path) == ("GET", "/api/v1/accounts/verify_credentials"):
            self.credential_checks += 1
            return {"id": "1", "username": "editor", "acct": "editor", "url": f"https://{self.host}/@editor"}
        if (method, path) != ("POST", "/api/v1/statuses"):
            raise Reply(404, {"error": "Record not found"})
        mode = self.scripted()
        if mode == "rate_limit":
            reset = datetime.now(UTC) + timedelta(seconds=self.rate_limit_wait)
            raise Reply(
                429,
                {"error": "Too many requests"},
                {
                    "X-RateLimit-Limit": "300",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": reset.isoformat().replace("+00:00", "Z"),
                },
            )
        key = headers.get("Idempotency-Key")
        self.idempotency_keys.append(key)
        if key and key in self._by_key:
            return self._by_key[key]
        if headers.get("Content-Type", "").startswith("application/json"):
            form = json.loads(body)
        else:
            form = dict(parse_qsl(body.decode()))
        text = form.get("status", "")
        counted = len(_GRAPHEME.findall(_URL.sub("x" * 23, text)))
        if not text or counted > 500:
            raise Reply(422, {"error": f"Validation failed: Text character limit of 500 exceeded ({counted})"})
        status_id = str(110000000000000000 + len(self.posts) + 1)
        status = {
            "id": status_id,
            "uri": f"https://{self.host}/users/editor/statuses/{status_id}",
            "url": f"https://{self.host}/@editor/{status_id}",
            "content": f"<p>{text}</p>",
            "visibility": form.get("visibility", "public"),
            "created_at": datetime.now(UTC).isoformat(),
            "account": {"id": "1", "username": "editor", "acct": "editor"},
        }
        self.posts.append({"id": status_id, "text": text, "idempotency_key": key, "form": form})
        if key:
            self._by_key[key] = status
        return status


# --- Bluesky -------------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakeBluesky(FakeServer):
    """A PDS: createSession, getProfile, createRecord.

    Checks: the identifier and app password (401 AuthenticationRequired otherwise); an access JWT it
    issued (HS256, unexpired) on every later call; createRecord's repo is the session's DID, the collection
    app.bsky.feed.post, the record typed app.bsky.feed.post with createdAt, a text of at most 300 graphemes,
    every facet's UTF-8 byte slice equal to its link URI, and an app.bsky.embed.external card with uri and title.
    """

    def __init__(self, handle: str, password: str) -> None:
        super().__init__()
        self.account_handle, self.password = handle, password
        self.did = "did:plc:fake" + hashlib.sha256(handle.encode()).hexdigest()[:16]
        self._key = secrets.token_bytes(32)
        self.sessions = 0

    def _jwt(self, scope: str, ttl: int) -> str:
        header = _b64url(json.dumps({"typ": "at+jwt", "alg": "HS256"}).encode())
        now = int(time.time())
        claims = {"scope": scope, "sub": self.did, "aud": "did:web:fake.pds", "iat": now, "exp": now + ttl}
        payload = _b64url(json.dumps(claims).encode())
        signature = _b64url(hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        return f"{header}.{payload}.{signature}"

    def _check_bearer(self, headers: Any) -> None:
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            header, payload, signature = token.split(".")
            expected = _b64url(hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            raise Reply(401, {"error": "InvalidToken", "message": "Token could not be verified"}) from None
        if not hmac.compare_digest(expected, signature) or claims["exp"] < time.time():
            raise Reply(401, {"error": "ExpiredToken", "message": "Token has expired or is invalid"})
        if claims["scope"] == "com.atproto.refresh":
            raise Reply(400, {"error": "InvalidToken", "message": "Refresh token used as access token"})

    def handle(self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes) -> Any:
        if (method, path) == ("POST", "/xrpc/com.atproto.server.createSession"):
            data = json.loads(body or b"{}")
            if data.get("identifier") not in (self.account_handle, self.did) or data.get("password") != self.password:
                raise Reply(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
            self.sessions += 1
            return {
                "did": self.did,
                "handle": self.account_handle,
                "accessJwt": self._jwt("com.atproto.appPass", 7200),
                "refreshJwt": self._jwt("com.atproto.refresh", 86400),
                "active": True,
            }
        self._check_bearer(headers)
        if (method, path) == ("GET", "/xrpc/app.bsky.actor.getProfile"):
            if query.get("actor") not in (self.account_handle, self.did):
                raise Reply(400, {"error": "InvalidRequest", "message": "Profile not found"})
            return {"did": self.did, "handle": self.account_handle, "displayName": "Editor"}
        if (method, path) != ("POST", "/xrpc/com.atproto.repo.createRecord"):
            raise Reply(404, {"error": "MethodNotImplemented", "message": path})
        mode = self.scripted()
        if mode == "rate_limit":
            reset = int(time.time()) + self.rate_limit_wait
            raise Reply(
                429,
                {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                {"ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": str(reset)},
            )
        data = json.loads(body)
        problem = self._record_problem(data)
        if problem:
            raise Reply(400, {"error": "InvalidRequest", "message": problem})
        rkey = "3l" + secrets.token_hex(6)
        uri = f"at://{self.did}/app.bsky.feed.post/{rkey}"
        self.posts.append({"uri": uri, "text": data["record"]["text"], "record": data["record"]})
        return {"uri": uri, "cid": "bafyrei" + secrets.token_hex(16)}

    def _record_problem(self, data: dict[str, Any]) -> str | None:
        if data.get("repo") not in (self.did, self.account_handle):
            return f"repo {data.get('repo')!r} is not the session's"
        if data.get("collection") != "app.bsky.feed.post":
            return "collection must be app.bsky.feed.post"
        record = data.get("record") or {}
        if record.get("$type") != "app.bsky.feed.post" or "createdAt" not in record:
            return "record must be an app.bsky.feed.post with createdAt"
        text = record.get("text", "")
        if len(_GRAPHEME.findall(text)) > 300:
            return "Record/text must not be longer than 300 graphemes"
        encoded = text.encode("utf-8")
        for facet in record.get("facets") or []:
            index = facet.get("index", {})
            start, end = index.get("byteStart"), index.get("byteEnd")
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(encoded)):
                return f"facet byte range {start}..{end} outside the text"
            features = facet.get("features") or []
            link = next((f for f in features if f.get("$type") == "app.bsky.richtext.facet#link"), None)
            if link is None or encoded[start:end].decode("utf-8", "replace") != link.get("uri"):
                return f"facet {start}..{end} does not cover its link"
        embed = record.get("embed")
        if embed is not None:
            external = embed.get("external") or {}
            if embed.get("$type") != "app.bsky.embed.external" or not external.get("uri") or "title" not in external:
                return "embed must be app.bsky.embed.external with uri and title"
        return None


# --- Webhooks ------------------------------------------------------------------------------------------


class FakeWebhook(FakeServer):
    """Any POST path: checks the Standard Webhooks headers and signature (within 5 minutes) and a JSON body."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
        self.paths: list[str] = []

    def handle(self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes) -> Any:
        if method != "POST":
            raise Reply(405, {"error": "POST only"})
        msg_id, timestamp = headers.get("webhook-id"), headers.get("webhook-timestamp", "0")
        signatures = headers.get("webhook-signature", "").split(" ")
        if not msg_id or abs(time.time() - int(timestamp)) > 300:
            raise Reply(400, {"error": "missing webhook-id or stale webhook-timestamp"})
        key = base64.b64decode(self.secret.removeprefix("whsec_"))
        expected = base64.b64encode(
            hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
        ).decode()
        if not any(s.startswith("v1,") and hmac.compare_digest(s[3:], expected) for s in signatures):
            raise Reply(401, {"error": "bad webhook signature"})
        mode = self.scripted()
        if mode == "rate_limit":
            raise Reply(429, {"error": "slow down"}, {"Retry-After": str(self.rate_limit_wait)})
        self.paths.append(path)
        self.posts.append({"id": msg_id, "payload": json.loads(body), "path": path})
        return None
