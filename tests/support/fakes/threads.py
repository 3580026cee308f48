"""A fake Threads API (Meta): containers, publishing, the account's posts and its profile, under /v1.0.

As developers.facebook.com/docs/threads/posts and /docs/threads/reference/publishing document it:
`POST /{user}/threads` (media_type TEXT with `text` of at most 500 characters, emojis counted as their UTF-8
bytes, and at most 5 links; `link_attachment` only on TEXT) answers a container id; `POST
/{user}/threads_publish` with `creation_id` publishes it once and answers the post's id; `GET
/{user}/threads` lists the account's posts newest first; `GET /{id}?fields=permalink` and `GET
/me?fields=id,username`. The access token may come as the `access_token` parameter (query or form body)
or a bearer header; a wrong one is Graph's 400 OAuthException code 190. Errors are Graph API JSON.
Scripted modes answer the publish request ("rate_limit" is Graph's code 4 "Application request limit
reached", with HTTP 400 as Graph sends it).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import regex

from tests.support.fakes.base import GRAPHEME, FakeServer, Reply

_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}]")
_URL = regex.compile(r"https?://\S+")


def counted(text: str) -> int:
    return sum(len(g.encode()) if _EMOJI.search(g) else 1 for g in GRAPHEME.findall(text))


def graph_error(message: str, code: int, status: int = 400, kind: str = "OAuthException") -> Reply:
    return Reply(status, {"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf123"}})


class FakeThreads(FakeServer):
    def __init__(self, token: str, user_id: str = "17841400000000001", username: str = "testdesk") -> None:
        super().__init__()
        self.token, self.user_id, self.username = token, user_id, username
        self.containers: dict[str, dict[str, Any]] = {}
        self.credential_checks = 0
        self.publish_attempts = 0

    def handle(self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes) -> Any:
        params = {**query, **dict(parse_qsl(body.decode()))} if method == "POST" else dict(query)
        bearer = headers.get("Authorization", "")
        token = params.pop("access_token", None) or (bearer[7:] if bearer.startswith("Bearer ") else None)
        if token is None:
            raise graph_error("An active access token must be used to query information about the current user.", 2500)
        if token != self.token:
            raise graph_error("Invalid OAuth access token - Cannot parse access token", 190)
        parts = path.removeprefix("/v1.0/").split("/")
        if len(parts) == 1 and method == "GET":
            return self._node(parts[0], params)
        if len(parts) != 2 or parts[0] not in (self.user_id, "me"):
            raise graph_error(f"Unsupported {method} request.", 100, kind="GraphMethodException")
        edge = parts[1]
        if (method, edge) == ("POST", "threads"):
            return self._container(params)
        if (method, edge) == ("POST", "threads_publish"):
            return self._publish(params)
        if (method, edge) == ("GET", "threads"):
            limit = int(params.get("limit", "25"))
            items = [{k: p[k] for k in ("id", "text", "permalink", "timestamp")} for p in reversed(self.posts)]
            return {"data": items[:limit], "paging": {"cursors": {"before": "b", "after": "a"}}}
        raise graph_error(f"Unsupported {method} request.", 100, kind="GraphMethodException")

    def _node(self, node: str, params: dict[str, str]) -> Any:
        if node == "me" or node == self.user_id:
            self.credential_checks += 1
            return {"id": self.user_id, "username": self.username}
        post = next((p for p in self.posts if p["id"] == node), None)
        if post is None:
            raise graph_error(f"Unsupported get request. Object with ID '{node}' does not exist", 100)
        return {"id": node, "permalink": post["permalink"]}

    def _container(self, params: dict[str, str]) -> Any:
        if params.get("media_type") != "TEXT":
            raise graph_error("Param media_type must be one of {TEXT, IMAGE, VIDEO, CAROUSEL}", 100)
        text = params.get("text", "")
        if not text:
            raise graph_error("Param text is required for media_type TEXT", 100)
        if counted(text) > 500:
            raise graph_error("Param text must be at most 500 characters long.", 100)
        links = set(_URL.findall(text)) | ({params["link_attachment"]} if "link_attachment" in params else set())
        if len(links) > 5:
            raise graph_error("THREADS_API__LINK_LIMIT_EXCEEDED", 100)
        container_id = str(18000000000000000 + len(self.containers) + 1)
        self.containers[container_id] = {"text": text, "link": params.get("link_attachment"), "published": False}
        return {"id": container_id}

    def _publish(self, params: dict[str, str]) -> Any:
        self.publish_attempts += 1
        mode = self.scripted()
        if mode == "rate_limit":
            raise graph_error("Application request limit reached", 4)
        container = self.containers.get(params.get("creation_id", ""))
        if container is None or container["published"]:
            raise graph_error("The requested resource does not exist", 24)
        container["published"] = True
        media_id = str(17900000000000000 + len(self.posts) + 1)
        self.posts.append(
            {
                "id": media_id,
                "text": container["text"],
                "link_attachment": container["link"],
                "permalink": f"https://www.threads.net/@{self.username}/post/C{media_id[-6:]}",
                "timestamp": "2026-12-01T16:00:00+0000",
            }
        )
        return {"id": media_id}
