"""Share posts: one per channel, from templates/share/, fitted to the network's rules by publisher.textrules.

Template lookup: `share/<network>.txt.j2`, else `share/post.txt.j2`; each gets title, summary, url and
hashtags. Everything a channel needs is finished here, with the network's composer hook from its
declaration (publisher/channels/networks/: Bluesky's link facets and embed card, the webhook's html);
channels only translate to their API. An article with a cover image (render.blocks_html.cover_image) gets
`extra["image"]` ({"url", "alt"}) and `extra["attach_image"]` (the editor's choice for Mastodon and X);
delivery loads the bytes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from markupsafe import escape

from publisher import textrules
from publisher.articles import Article
from publisher.channels.account import network_of
from publisher.channels.base import Part, Post, TextLimits
from publisher.channels.network import Draft, Network
from publisher.channels.registry import network_for
from publisher.config import Settings
from publisher.errors import TextTooLong
from publisher.render.blocks_html import cover_image, render_html
from publisher.render.counted import thread_problem
from publisher.render.email import article_url
from publisher.render.images import PickedImage
from publisher.render.templates import environment
from publisher.render.thread import edited_parts, fits_for, is_split, joined_parts, split_thread

_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class PostShape:
    """How the editor wants the posts: as threads (`thread`, numbered " k/n" with `numbered`), each
    channel's own text (`texts`: channel -> text, split as a thread where it has a `---` line), and the
    article's images to attach (`images`, render.images: checked and stored by campaigns.create)."""

    thread: bool = False
    numbered: bool = False
    texts: Mapping[str, str] = field(default_factory=dict)
    images: tuple[PickedImage, ...] = ()


def _template_for(settings: Settings, network: str) -> str:
    specific = f"share/{network}.txt.j2"
    return specific if (settings.templates_dir / specific).exists() else "share/post.txt.j2"


def with_utm(url: str, source: str, campaign: str, medium: str = "social") -> str:
    """The URL with utm_source/utm_medium/utm_campaign set (replacing any already there)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    query += [("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def share_url(article: Article, network: str, settings: Settings) -> str:
    """The article's link as posted to a network (with UTM parameters when PUBLISHER_SHARE_UTM is on)."""
    url = article_url(settings, article)
    return with_utm(url, network, article.slug) if settings.share_utm else url


def article_html(article: Article) -> str:
    """The article as HTML (its title, then the whole document, escaped), for webhook receivers."""
    return f"<h1>{escape(article.title)}</h1>\n{render_html(article.blocks, web=True)}"


def fit_post(
    article: Article, channel: str, limits: TextLimits, settings: Settings, *, whole: bool = False
) -> textrules.Fitted:
    """The text for one channel and its length as that network counts it; `whole`: nothing shortened
    (the text a thread is split from)."""
    network = network_of(channel)
    url = share_url(article, network, settings)
    template = environment(settings.templates_dir).get_template(_template_for(settings, network))

    def render(title: str, summary: str, hashtags: object) -> str:
        text = template.render(title=title, summary=summary, url=url, hashtags=list(hashtags))  # type: ignore[call-overload]
        return _BLANK_RUNS.sub("\n\n", text).strip()

    counted = network if network_for(channel).count is not None and not whole else None
    return textrules.fit(
        counted,
        article.title,
        article.summary,
        url,
        hashtags=settings.share_hashtag_list,
        render=render,
        limit=limits.max_length if counted else None,
        url_length=limits.url_length if counted else None,
    )


def cover_of(article: Article) -> dict[str, str] | None:
    """The article's cover as a post carries it: {"url": absolute src, "alt": alt text}, or None."""
    cover = cover_image(article.blocks)
    if cover is None or cover.src is None:
        return None
    return {"url": cover.src, "alt": cover.alt}


def compose_post(
    article: Article,
    channel: str,
    limits: TextLimits,
    settings: Settings,
    *,
    attach_image: bool = False,
    shape: PostShape | None = None,
) -> Post:
    """The post for one channel; the summary is shortened at a word boundary if needed, never the link.

    With a cover image, the post names it (`extra["image"]`) and says whether the editor asked to attach it
    (`extra["attach_image"]`, for Mastodon and X; Bluesky always shows it as its card's thumbnail).
    `shape.thread`: on a network that takes threads, the whole post (nothing shortened) split into parts
    within its limits (render.thread), numbered " k/n" with `shape.numbered`; `shape.texts[channel]`: the
    editor's own text instead of the template's, split where it has a `---` line (or is too long) on a
    network that takes threads. Raises TextTooLong when even the link alone is over the channel's limit.
    """
    shape = shape or PostShape()
    declared = network_for(channel)
    url = share_url(article, declared.name, settings)
    text = shape.texts.get(channel)
    try:
        if declared.threads and text is not None and is_split(text):  # the editor's parts, posted as written
            texts = edited_parts(text, numbered=shape.numbered)
            problem = thread_problem(channel, texts, limits)
            if problem is not None:
                raise TextTooLong(f"the edited thread's {problem}")
        elif declared.threads and (shape.thread or text is not None):
            whole = text if text is not None else fit_post(article, channel, limits, settings, whole=True).text
            texts = split_thread(whole, fits_for(declared.name, limits), numbered=shape.numbered)
        elif text is not None:
            texts = [_as_one_post(text, declared.name, limits)]
        else:
            texts = [fit_post(article, channel, limits, settings).text]
    except TextTooLong as exc:
        raise TextTooLong(f"cannot share to {channel}: {exc}") from None
    first, *rest = [_extras(article, declared, url, part, limits) for part in texts]
    first["network"] = declared.name
    cover = cover_of(article)
    if cover is not None:
        first["image"] = cover
        first["attach_image"] = attach_image
    for later in rest:  # only the first part carries the card (and the cover image, which rides on it)
        later.pop("embed", None)
    joined = "\0".join(texts)
    key = hashlib.sha256(f"{channel}\0{article.slug}\0{joined}".encode()).hexdigest()[:32]
    return Post(
        text=texts[0],
        url=url,
        title=article.title,
        summary=article.summary,
        idempotency_key=key,
        extra=first,
        replies=tuple(Part(t, extra) for t, extra in zip(texts[1:], rest, strict=True)),
    )


def _extras(article: Article, declared: Network, url: str, text: str, limits: TextLimits) -> dict[str, object]:
    """One part's extras: its counted length, and what the network's composer finishes (Bluesky's facets)."""
    counted = textrules.length(text, declared.name, url_length=limits.url_length) if declared.count else None
    extra: dict[str, object] = {"length": counted if counted is not None else textrules.graphemes(text)}
    if declared.compose is not None:
        draft = Draft(text, url, article.title, article.summary, html=lambda: article_html(article), lang=article.lang)
        extra.update(declared.compose(draft))
    return extra


def _as_one_post(text: str, network: str, limits: TextLimits) -> str:
    """An edited text for a network without threads: its `---` lines become blank lines; it must fit."""
    joined = joined_parts(text)
    if not joined:
        raise TextTooLong("the post has no text")
    if network_for(network).count is not None and not fits_for(network, limits)(joined):
        raise TextTooLong("the edited text is over the network's limit, and it takes no threads")
    return joined
