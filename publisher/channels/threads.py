"""The Threads channel: Meta's Threads API, a TEXT container with the article as its link, then publish.

`POST /v1.0/{user}/threads` (media_type=TEXT, text, link_attachment) answers a container id;
`POST /v1.0/{user}/threads_publish` (creation_id) publishes it and answers the post's id
(developers.facebook.com/docs/threads/posts). The access token goes in the form body, never in a URL
that a proxy could log.

The API takes no idempotency key. So that a retry after a lost answer does not post twice, the channel
first reads the account's latest posts (`GET /v1.0/{user}/threads?fields=id,text,permalink`) and answers
"already sent" when one has exactly this text. A container that was made but not published is simply
left: Threads drops it after 24 hours.

Errors come as Graph API JSON (`{"error": {"message", "type", "code"}}`), mostly with HTTP 400: code 190
(an invalid or expired token) is read as 401, codes 4, 17, 32 and 613 (rate limits) as 429, 10 and 200
(a permission missing) as 403, 1 and 2 (temporary) as 503; the rest as the HTTP status says.
"""

from __future__ import annotations

from typing import Any

import httpx

from publisher.channels.base import ChannelError, Message, Result
from publisher.channels.http import CHECK_WORDING, HttpAnswer, HttpxChannel, Wording, json_object
from publisher.channels.networks.threads import NETWORK

API = "/v1.0"
RECENT = 10  # posts read back to find one a lost answer already made
_AS_STATUS = {190: 401, 4: 429, 17: 429, 32: 429, 613: 429, 10: 403, 200: 403, 1: 503, 2: 503}


class ThreadsChannel(HttpxChannel):
    """Posts text with a link preview for one Threads account."""

    network = "threads"
    limits = NETWORK.limits

    @property
    def user(self) -> str:
        return self.account.user

    @property
    def who(self) -> str:
        return f"Threads account {self.name!r}"

    def send(self, message: Message) -> Result:
        post = self.post_of(message)
        earlier = self._already_posted(post.text)
        if earlier is not None:
            return Result(status="already_sent", provider_id=str(earlier["id"]), url=earlier.get("permalink"))
        container = self._call(
            "POST", f"{API}/{self.user}/threads", {"media_type": "TEXT", "text": post.text, "link_attachment": post.url}
        )
        published = self._call("POST", f"{API}/{self.user}/threads_publish", {"creation_id": str(container["id"])})
        media_id = str(published["id"])
        return Result(status="sent", provider_id=media_id, url=self._permalink(media_id))

    def verify(self) -> str:
        """The account's username, from `GET /v1.0/me?fields=id,username`: the token works, nothing is posted."""
        me = self._call("GET", f"{API}/{self.user}", {"fields": "id,username"}, CHECK_WORDING)
        return f"@{me.get('username') or me.get('id')}"

    def _already_posted(self, text: str) -> dict[str, Any] | None:
        listed = self._call("GET", f"{API}/{self.user}/threads", {"fields": "id,text,permalink", "limit": str(RECENT)})
        data = listed.get("data")
        for item in data if isinstance(data, list) else []:
            if isinstance(item, dict) and item.get("text") == text and "id" in item:
                return item
        return None

    def _permalink(self, media_id: str) -> str | None:
        try:
            return str(self._call("GET", f"{API}/{media_id}", {"fields": "permalink"}).get("permalink") or "") or None
        except ChannelError:  # the post is out: a missing link is no reason to retry it
            return None

    def _call(self, method: str, path: str, params: dict[str, str], wording: Wording | None = None) -> dict[str, Any]:
        """One Graph API request with the token; its JSON object, or the classified error."""
        fields = {**params, "access_token": self.account.secret("token")}
        try:
            if method == "GET":
                # A GET has no body: the token goes as a bearer header, which the Graph API also takes.
                response = self.client.get(
                    path, params=params, headers={"Authorization": f"Bearer {fields['access_token']}"}
                )
            else:
                response = self.client.post(path, data=fields)
        except httpx.TransportError as exc:
            raise self.no_answer(exc, wording) from None
        body = json_object(response)
        if response.is_success and "error" not in body and ("id" in body or "data" in body or method == "GET"):
            return body
        raise self.failure(_answer(response, body), wording)


def _answer(response: httpx.Response, body: dict[str, Any]) -> HttpAnswer:
    error: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    status = _AS_STATUS.get(code, response.status_code) if code is not None else response.status_code
    detail = str(error.get("message") or "")[:200]
    if code is not None:
        detail = f"{detail} (code {code})".strip()
    return HttpAnswer(status=status, detail=detail, headers=dict(response.headers))
