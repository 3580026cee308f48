"""A fake LinkedIn API: the Posts API (`POST /rest/posts`), `/v2/userinfo` and `/rest/organizations/{id}`.

What it checks is what learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api
documents: a bearer token (401 INVALID_ACCESS_TOKEN otherwise), the `LinkedIn-Version: YYYYMM` and
`X-Restli-Protocol-Version: 2.0.0` headers on /rest/ (400 otherwise), an author the token may post as
(403), the required fields and a commentary of at most 3,000 characters (422). It answers 201 with no body
and the post's URN in `x-restli-id`, and the same content twice with LinkedIn's 422 "Content is a
duplicate of urn:li:share:..." (DUPLICATE_POST). Like the real API it does not refuse unescaped little
text: it cuts the commentary at the first unescaped reserved character, and records what readers see.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.support.fakes.base import FakeServer, Reply

RESERVED = set("\\|{}@[]()<>*_~#")
_URL_OR_TAG = re.compile(r"https?://\S+|#\w+")


def shown(commentary: str) -> str:
    """The commentary as LinkedIn shows it: escapes removed, cut at the first unescaped reserved character."""
    out, i = [], 0
    while i < len(commentary):
        kept = _URL_OR_TAG.match(commentary, i)
        if kept:
            out.append(kept.group(0))
            i = kept.end()
            continue
        c = commentary[i]
        if c == "\\" and i + 1 < len(commentary) and commentary[i + 1] in RESERVED:
            out.append(commentary[i + 1])
            i += 2
            continue
        if c in RESERVED:
            break  # LinkedIn's silent truncation
        out.append(c)
        i += 1
    return "".join(out)


class FakeLinkedIn(FakeServer):
    """Posts for one token, which may post as `member` (urn:li:person:...) and administers `organization`."""

    def __init__(self, token: str, member: str = "abc123XYZ", organization: str = "2414183") -> None:
        super().__init__()
        self.token, self.member, self.organization = token, member, organization
        self.credential_checks = 0
        self._commentaries: dict[tuple[str, str], str] = {}

    def handle(self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes) -> Any:
        if headers.get("Authorization") != f"Bearer {self.token}":
            raise Reply(
                401,
                {
                    "status": 401,
                    "serviceErrorCode": 65600,
                    "code": "INVALID_ACCESS_TOKEN",
                    "message": "Invalid access token",
                },
            )
        if (method, path) == ("GET", "/v2/userinfo"):
            self.credential_checks += 1
            return {"sub": self.member, "name": "Test Desk", "given_name": "Test", "family_name": "Desk"}
        if not path.startswith("/rest/"):
            raise Reply(404, {"status": 404, "message": f"No virtual resource found for {path}"})
        if not re.fullmatch(r"20\d{4}", headers.get("LinkedIn-Version") or ""):
            raise Reply(
                400,
                {
                    "status": 400,
                    "code": "VERSION_MISSING",
                    "message": "A version must be present. Please specify a version by adding the "
                    "LinkedIn-Version header.",
                },
            )
        if headers.get("X-Restli-Protocol-Version") != "2.0.0":
            raise Reply(400, {"status": 400, "message": "Restli protocol version 2.0.0 is required"})
        if method == "GET" and path == f"/rest/organizations/{self.organization}":
            self.credential_checks += 1
            return {"id": int(self.organization), "localizedName": "The Test Desk", "vanityName": "testdesk"}
        if (method, path) != ("POST", "/rest/posts"):
            raise Reply(404, {"status": 404, "message": f"No virtual resource found for {path}"})
        return self._post(json.loads(body or b"{}"))

    def _post(self, post: dict[str, Any]) -> Any:
        mode = self.scripted()
        if mode == "rate_limit":
            raise Reply(429, {"status": 429, "code": "TOO_MANY_REQUESTS", "message": "Resource level throttle limit"})
        author = post.get("author")
        if author not in (f"urn:li:person:{self.member}", f"urn:li:organization:{self.organization}"):
            raise Reply(
                403,
                {
                    "status": 403,
                    "code": "ACCESS_DENIED",
                    "message": f"Not enough permissions to access: partnerApiPostsExternal.CREATE.{author}",
                },
            )
        missing = [k for k in ("author", "commentary", "visibility", "distribution", "lifecycleState") if k not in post]
        if missing:
            raise Reply(422, {"status": 422, "message": f"Field Value validation failed: missing {missing}"})
        commentary = str(post["commentary"])
        if len(commentary) > 3000:
            raise Reply(422, {"status": 422, "message": "commentary is longer than 3000 characters"})
        article = (post.get("content") or {}).get("article")
        if article is not None and not str(article.get("source", "")).startswith(("http://", "https://")):
            raise Reply(422, {"status": 422, "message": "content.article.source must be a URL"})
        earlier = self._commentaries.get((author, commentary))
        if earlier is not None:
            raise Reply(
                422,
                {
                    "errorDetailType": "com.linkedin.common.error.BadRequest",
                    "message": "com.linkedin.content.common.exception.BadRequestResponseException: "
                    f"Content is a duplicate of {earlier}",
                    "errorDetails": {
                        "inputErrors": [
                            {"description": "Duplicate post is detected", "input": {}, "code": "DUPLICATE_POST"}
                        ]
                    },
                    "status": 422,
                },
            )
        urn = f"urn:li:share:{7141138937766391808 + len(self.posts)}"
        self._commentaries[(author, commentary)] = urn
        self.posts.append(
            {
                "urn": urn,
                "author": author,
                "commentary": commentary,
                "text": shown(commentary),
                "article": article,
                "body": post,
            }
        )
        raise Reply(201, None, {"x-restli-id": urn, "x-linkedin-id": urn.rsplit(":", 1)[1]})
