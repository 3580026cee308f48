"""Share posts: one per channel, from templates/share/, fitted to the channel's limits."""

from __future__ import annotations

import hashlib

from publisher.articles import Article
from publisher.channels.base import Post, TextLimits
from publisher.config import Settings
from publisher.render.email import article_url
from publisher.render.templates import environment


def _template_for(settings: Settings, channel: str) -> str:
    specific = f"share/{channel}.txt.j2"
    return specific if (settings.templates_dir / specific).exists() else "share/post.txt.j2"


def _length(text: str, url: str, limits: TextLimits) -> int:
    if limits.url_length is None:
        return len(text)
    return len(text) - len(url) + limits.url_length


def compose_post(article: Article, channel: str, limits: TextLimits, settings: Settings) -> Post:
    """The post for one channel; the summary is shortened at a word boundary if needed, never the link."""
    url = article_url(settings, article)
    template = environment(settings.templates_dir).get_template(_template_for(settings, channel))
    summary = article.summary

    def render(summary: str) -> str:
        return template.render(title=article.title, summary=summary, url=url).strip()

    text = render(summary)
    if limits.max_length is not None:
        words = summary.split()
        while _length(text, url, limits) > limits.max_length and words:
            words.pop()
            text = render(" ".join(words).rstrip(",;:—–") + "…" if words else "")
        if _length(text, url, limits) > limits.max_length:
            raise ValueError(f"the title alone is too long for {channel} ({limits.max_length} characters)")
    key = hashlib.sha256(f"{channel}\0{article.slug}\0{text}".encode()).hexdigest()[:32]
    return Post(text=text, url=url, title=article.title, summary=article.summary, idempotency_key=key)
