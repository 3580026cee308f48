"""The digest email, rendered once per campaign: Jinja2, then premailer to inline the CSS.

Personal fields (name, address, unsubscribe token) are left as placeholders carrying a per-campaign key,
so an article that happens to contain placeholder-like text cannot pull another subscriber's data in;
render.mime fills them in per recipient without rendering again.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from markupsafe import Markup
from premailer import Premailer

from publisher.articles import Article, slugify, text_direction
from publisher.config import Settings
from publisher.render.blocks_html import cover_image, render_html
from publisher.render.blocks_text import render_text
from publisher.render.links import share_links
from publisher.render.templates import environment
from publisher.render.urls import article_url, preferences_url, unsubscribe_url
from publisher.render.utm import with_utm

FIELDS = ("NAME", "EMAIL", "TOKEN")


@dataclass(frozen=True)
class RenderedDigest:
    """A digest ready for personalization: HTML with CSS inlined, the text part, and the placeholder key."""

    subject: str
    html: str
    text: str
    key: str
    preheader: str = ""  # the preview text the mail carries (the accessibility check wants one)

    def placeholder(self, field: str) -> str:
        return placeholder(self.key, field)


def placeholder(key: str, field: str) -> str:
    return f"%%PUB{key}{field}%%"


def placeholder_pattern(key: str) -> re.Pattern[str]:
    """The personal fields, and the tracking ones (render.tracked): OPEN, the pixel, and R<n>, link n."""
    return re.compile(f"%%PUB{re.escape(key)}({'|'.join(FIELDS)}|OPEN|R[0-9]+)%%")


def default_subject(articles: Sequence[Article]) -> str:
    if len(articles) == 1:
        return articles[0].title
    return f"{articles[0].title} (+{len(articles) - 1} more)"


_URL_ATTRIBUTE = re.compile(r'\b(href|src)="([^"]*)"')


def inline_css(html: str, base_url: str) -> str:
    """premailer with the settings a newsletter wants: keep media queries, absolutize links.

    Every href and src goes through premailer as a stand-in and is put back afterwards, so each URL reaches
    the mail exactly as the document stores it (libxml2's serializer would percent-encode a non-ASCII
    character, a bracket or a dollar sign in it).
    """
    urls: list[str] = []
    stand_in = f"https://url-{secrets.token_hex(6)}.invalid/"

    def protect(match: re.Match[str]) -> str:
        urls.append(match.group(2))
        return f'{match.group(1)}="{stand_in}{len(urls) - 1}"'

    inlined = Premailer(
        _URL_ATTRIBUTE.sub(protect, html),
        base_url=base_url + "/",
        keep_style_tags=False,
        include_star_selectors=False,
        remove_classes=False,
        strip_important=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
    ).transform()
    return re.sub(re.escape(stand_in) + r"(\d+)", lambda m: urls[int(m.group(1))], inlined)


def render_digest(
    articles: Sequence[Article],
    settings: Settings,
    *,
    subject: str | None = None,
    full: bool | None = None,
    preheader: str | None = None,
    view_url: str | None = None,
    overrides: Mapping[str, str] | None = None,
    standalone: bool = False,
) -> RenderedDigest:
    """Render the digest for these articles, once; the result is shared by every recipient.

    full: each article in full (True) or as its summary with a "Read more" link (False); None, the
    default, is full text for one article and summaries for several. preheader: the preview text mail
    clients show after the subject (default: the first article's summary). view_url: the digest's page
    on the site ("View in browser"), once the campaign has an id. overrides: the publication's own sources
    of the digest's templates (name -> source; render.templates.OVERRIDABLE), which the campaign layer loads.
    standalone: the text has no page on the site (a welcome sequence's mail): no "Read on the web", no
    share links, a title that links nowhere.
    """
    if not articles:
        raise ValueError("a digest needs at least one article")
    key = secrets.token_hex(6)
    token = placeholder(key, "TOKEN")
    personal = {
        "name": placeholder(key, "NAME"),
        "email": placeholder(key, "EMAIL"),
        "unsubscribe_url": unsubscribe_url(settings.base_url, token),
        "preferences_url": preferences_url(settings.base_url, token),
    }
    subject = subject or default_subject(articles)
    lang = articles[0].lang
    preview_text = " ".join((preheader or articles[0].summary).split())
    context = {
        "subject": subject,
        "preheader": preview_text,
        "newsletter_name": settings.newsletter_name,
        "description": settings.description,
        "logo_url": settings.logo_url,
        "accent": settings.accent_colour,
        "postal_address": settings.postal_address.strip(),
        "base_url": settings.base_url,
        "view_url": view_url,
        "personal": personal,
        "lang": lang,
        "dir": text_direction(lang),
        "full": len(articles) == 1 if full is None else full,
        "articles": [_article_context(a, settings, slugify(subject) if settings.utm else None) for a in articles],
        "tracking": settings.tracking,
        "standalone": standalone,
    }
    env = environment(settings.templates_dir, overrides)
    html = env.get_template("email/digest.html.j2").render(context)
    text = env.get_template("email/digest.txt.j2").render(context)
    html = inline_css(html, settings.base_url)
    return RenderedDigest(subject=subject, html=html, text=text, key=key, preheader=preview_text)


def _cover(article: Article) -> Markup | None:
    cover = cover_image(article.blocks)
    return render_html((replace(cover, caption=None),)) if cover is not None else None


def _article_context(article: Article, settings: Settings, utm_campaign: str | None) -> dict[str, object]:
    url = article_url(settings, article)
    read_url = with_utm(url, utm_campaign) if utm_campaign else url
    body = render_text(article.blocks)
    return {
        "title": article.title,
        "summary": article.summary,
        "lang": article.lang,
        "dir": text_direction(article.lang),
        "html": render_html(article.blocks),
        "cover": _cover(article),  # shown above a summary, so a digest of summaries still has pictures
        "text": body.text,
        "references": body.references,
        "url": read_url,  # the reader's link to the article (with UTM parameters when the publication wants them)
        "share_links": share_links(url, article.title, article.summary),  # issue 6
    }
