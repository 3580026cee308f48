"""Opens and clicks (issue 15): a rendered digest's links turned into per-recipient tracking links.

Done once per campaign, after render_digest, for the modes that track (aggregate, individual): every
http(s) <a href> of the HTML part, in order, except the reader's own unsubscribe and preferences links,
becomes a placeholder (``R<position>``) that render.mime fills per recipient with BASE_URL/r/<token>; the
URLs are returned to be stored (tracked_links), the only places /r/<token> redirects to. One hidden
honeypot link (no text, aria-hidden, tabindex=-1, display:none: no reader, keyboard or screen reader
reaches it) and a 1x1 open pixel (``OPEN``: BASE_URL/o/<token>.gif) are added at the end of the body, both
inside <!--personal--> markers so the public copy of the digest leaves them out. The plain-text part keeps
the original URLs.

Share posts (track_post): the composed post's link becomes BASE_URL/r/<token> (recipient 0), one tracked
link per channel of the campaign (campaigns.create stores it).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from typing import Any

from publisher import textrules
from publisher.channels.base import Part, Post, TextLimits
from publisher.render.email import RenderedDigest, placeholder

OPEN_FIELD = "OPEN"
_ANCHOR_HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")', re.IGNORECASE)


@dataclass(frozen=True)
class TrackedUrl:
    position: int  # 1, 2, ...: the order of the links in the HTML part
    url: str
    honeypot: bool = False


LINK_FIELD = "R"  # a link's field is R<position>: R1, R2, ...


def link_field(position: int) -> str:
    return f"{LINK_FIELD}{position}"


def link_position(field: str) -> int | None:
    """The position a link field names (R3: 3); None for any other field."""
    return int(field[1:]) if field.startswith(LINK_FIELD) and field[1:].isdigit() else None


def track_links(digest: RenderedDigest) -> tuple[RenderedDigest, list[TrackedUrl]]:
    """The digest with its links rewritten to placeholders, the pixel and the honeypot; and the links."""
    links: list[TrackedUrl] = []
    marker = f"%%PUB{digest.key}"

    def rewrite(match: re.Match[str]) -> str:
        href = match.group(2)
        url = html.unescape(href)
        if marker in href or not url.lower().startswith(("http://", "https://")):
            return match.group(0)  # the reader's own links, mailto:, anchors: left as they are
        links.append(TrackedUrl(len(links) + 1, url))
        return f"{match.group(1)}{placeholder(digest.key, link_field(len(links)))}{match.group(3)}"

    body = _ANCHOR_HREF.sub(rewrite, digest.html)
    hidden = ""
    if links:  # whoever follows the hidden link is a machine; nothing to click: no honeypot either
        trap = TrackedUrl(len(links) + 1, links[0].url, honeypot=True)
        links.append(trap)
        hidden = (
            f'<a href="{placeholder(digest.key, link_field(trap.position))}" tabindex="-1" aria-hidden="true" '
            'style="display:none;font-size:0;line-height:0;max-height:0;overflow:hidden"></a>'
        )
    pixel = (
        f'<img src="{placeholder(digest.key, OPEN_FIELD)}" alt="" width="1" height="1" '
        'style="display:block;width:1px;height:1px;border:0">'
    )
    hidden = f"<!--personal-->{hidden}{pixel}<!--/personal-->"
    end = body.lower().rfind("</body>")
    body = body[:end] + hidden + body[end:] if end >= 0 else body + hidden
    return replace(digest, html=body), links


def track_post(post: Post, network: str, tracked: str, limits: TextLimits) -> Post:
    """A composed share post whose link goes through `tracked` (BASE_URL/r/<token>), its counting unchanged.

    Where the network counts any URL as a fixed length (X, Mastodon: limits.url_length), the text's article
    URL becomes the tracked one. Bluesky counts a link in full, so its text keeps showing the article's URL
    while the link facets over it and the external card point at the tracked URL. Everywhere the post's
    link (LinkedIn's article, Threads' link attachment, a webhook's url) is the tracked URL.
    """
    article = post.url
    in_text = limits.url_length is not None

    def part(text: str, extra: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        extra = dict(extra)
        if "facets" in extra:
            extra["facets"] = [{**f, "uri": tracked} if f.get("uri") == article else f for f in extra["facets"]]
        embed = extra.get("embed")
        if isinstance(embed, dict) and embed.get("uri") == article:
            extra["embed"] = {**embed, "uri": tracked}
        return (text.replace(article, tracked) if in_text else text), extra

    text, extra = part(post.text, post.extra)
    replies = tuple(Part(*part(p.text, p.extra)) for p in post.replies)
    if in_text and "length" in extra:  # any URL counts the same: the length is what it was
        extra["length"] = textrules.length(text, network, url_length=limits.url_length)
    return replace(post, text=text, url=tracked, extra=extra, replies=replies)
