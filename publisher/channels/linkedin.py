"""The LinkedIn channel: the Posts API (`POST /rest/posts`), an article post as a member or an organization page.

Every request carries `Authorization: Bearer`, `LinkedIn-Version: YYYYMM` and `X-Restli-Protocol-Version:
2.0.0`, as learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api requires. The body:
the author URN, the commentary as little text (channels.networks.linkedin.escape), PUBLIC visibility on the
main feed, and `content.article` with the link, title and description. 201 Created names the post in the
`x-restli-id` header.

The API takes no idempotency key, but it refuses the same content twice (422 "Content is a duplicate of
urn:li:share:...", code DUPLICATE_POST): a retry after a lost answer is read as already sent, with the URN
LinkedIn gave. verify() asks who the token is without posting: `GET /v2/userinfo` for a member (the OpenID
scopes; its `sub` must be the author's id), `GET /rest/organizations/{id}` for a page.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from publisher.channels.account import Account
from publisher.channels.base import Message, PermanentError, Result
from publisher.channels.http import CHECK_WORDING, HttpAnswer, HttpxChannel, json_object
from publisher.channels.networks.linkedin import NETWORK, escape

_DUPLICATE = re.compile(r"duplicate of (urn:li:(?:share|ugcPost):[0-9]+)")


class LinkedInChannel(HttpxChannel):
    """Posts for one member or organization page; 429/5xx/timeouts retry, a refused token fails for good."""

    network = "linkedin"
    limits = NETWORK.limits

    def headers(self, account: Account) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {account.secret('token')}",
            "LinkedIn-Version": account.options["version"],
            "X-Restli-Protocol-Version": "2.0.0",
        }

    @property
    def who(self) -> str:
        return f"LinkedIn account {self.name!r} ({self.account.user})"

    def body(self, message: Message) -> dict[str, Any]:
        """The Posts API's JSON for this post: an article post on the main feed."""
        post = self.post_of(message)
        return {
            "author": self.account.user,
            "commentary": escape(post.text),
            "visibility": self.account.options.get("visibility", "PUBLIC"),
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "content": {"article": {"source": post.url, "title": post.title[:400], "description": post.summary[:4086]}},
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }

    def send(self, message: Message) -> Result:
        response = self._request("POST", "/rest/posts", json=self.body(message))
        if response.status_code == 201:
            urn = response.headers.get("x-restli-id", "")
            return Result(status="sent", provider_id=urn, url=_feed_url(urn))
        duplicate = _DUPLICATE.search(response.text) if response.status_code == 422 else None
        if duplicate:
            return Result(status="already_sent", provider_id=duplicate.group(1), url=_feed_url(duplicate.group(1)))
        raise self.failure(_answer(response))

    def verify(self) -> str:
        """Who the token posts as, without posting: the member's name, or the organization page's."""
        kind, _, ident = self.account.user.removeprefix("urn:li:").partition(":")
        if kind == "organization":
            response = self._request("GET", f"/rest/organizations/{ident}")
            if not response.is_success:
                raise self.failure(_answer(response), CHECK_WORDING)
            return f"{json_object(response).get('localizedName') or self.account.user} ({self.account.user})"
        response = self._request("GET", "/v2/userinfo")
        if not response.is_success:
            raise self.failure(_answer(response), CHECK_WORDING)
        me = json_object(response)
        if me.get("sub") != ident:
            raise PermanentError(f"{self.who}: the token belongs to another member than {self.account.user}")
        return f"{me.get('name') or ident} ({self.account.user})"

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise self.no_answer(exc) from None


def _answer(response: httpx.Response) -> HttpAnswer:
    """LinkedIn's error JSON ({"status", "code", "message"}) as the classifier reads it."""
    data = json_object(response)
    detail = " ".join(str(data[k]) for k in ("code", "message") if isinstance(data.get(k), str))
    return HttpAnswer(status=response.status_code, detail=detail or response.text[:200], headers=dict(response.headers))


def _feed_url(urn: str) -> str | None:
    return f"https://www.linkedin.com/feed/update/{urn}/" if urn.startswith("urn:li:") else None
