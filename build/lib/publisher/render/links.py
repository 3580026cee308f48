"""Reader share links and the Open Graph / Twitter card tags of an article page.

The web app calls `page_share_context(article, settings)` and includes `web/_share_links.html.j2` and
`web/_share_meta.html.j2`; digest emails get the same links per article.

Mastodon has no central share URL: every reader is on their own instance. The link goes to
mastodonshare.com (`https://mastodonshare.com/?text=...&url=...`), a share-intent page that asks the
reader for their instance once (and remembers it) and then opens that instance's compose box.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from publisher.articles import Article
from publisher.config import Settings
from publisher.render.urls import article_url

MASTODON_SHARE = "https://mastodonshare.com/"


@dataclass(frozen=True)
class ShareLink:
    network: str  # x, mastodon, bluesky, linkedin, facebook, email
    label: str
    href: str


def _q(value: str) -> str:
    # RFC 3986 / RFC 6068: spaces as %20 (a "+" would reach the mail body as a plus sign).
    return quote(value, safe="")


def share_links(url: str, title: str, summary: str = "") -> list[ShareLink]:
    """Links a reader can follow to share `url` on each network, in display order."""
    body = f"{summary}\n\n{url}" if summary else url
    return [
        ShareLink("x", "Share on X", f"https://x.com/intent/post?text={_q(title)}&url={_q(url)}"),
        ShareLink("mastodon", "Share on Mastodon", f"{MASTODON_SHARE}?text={_q(title)}&url={_q(url)}"),
        ShareLink("bluesky", "Share on Bluesky", f"https://bsky.app/intent/compose?text={_q(f'{title} {url}')}"),
        ShareLink("linkedin", "Share on LinkedIn", f"https://www.linkedin.com/sharing/share-offsite/?url={_q(url)}"),
        ShareLink("facebook", "Share on Facebook", f"https://www.facebook.com/sharer/sharer.php?u={_q(url)}"),
        ShareLink("email", "Share by email", f"mailto:?subject={_q(title)}&body={_q(body)}"),
    ]


def article_share_links(article: Article, settings: Settings) -> list[ShareLink]:
    return share_links(article_url(settings, article), article.title, article.summary)


def meta_tags(article: Article, settings: Settings, *, image_url: str | None = None) -> list[tuple[str, str, str]]:
    """(attribute, name, content) for each Open Graph and Twitter card tag; the partial escapes the values."""
    url = article_url(settings, article)
    tags = [
        ("property", "og:type", "article"),
        ("property", "og:site_name", settings.newsletter_name),
        ("property", "og:title", article.title),
        ("property", "og:description", article.summary),
        ("property", "og:url", url),
        ("name", "twitter:card", "summary_large_image" if image_url else "summary"),
        ("name", "twitter:title", article.title),
        ("name", "twitter:description", article.summary),
    ]
    if image_url:
        tags += [("property", "og:image", image_url), ("name", "twitter:image", image_url)]
    return tags


def page_share_context(article: Article, settings: Settings, *, image_url: str | None = None) -> dict[str, object]:
    """What the share partials need: `share_links` and `share_meta`."""
    return {
        "share_links": article_share_links(article, settings),
        "share_meta": meta_tags(article, settings, image_url=image_url),
    }
