"""The public URLs the publisher writes into mail, pages and posts: one place, so they always agree.

The web app serves these paths (publisher.web.routes.public and .consent); everything that links to
them builds the link here.
"""

from __future__ import annotations

from publisher.articles import Article
from publisher.config import Settings


def article_url(settings: Settings, article: Article) -> str:
    """The article's public page."""
    return f"{settings.base_url}/articles/{article.slug}"


def unsubscribe_url(base_url: str, token: str) -> str:
    """The one-click unsubscribe page of the subscription a signed token names."""
    return f"{base_url}/unsubscribe/{token}"


def preferences_url(base_url: str, token: str) -> str:
    """The preferences page (the lists this subscriber is on) of the subscription a signed token names."""
    return f"{base_url}/preferences/{token}"


def digest_url(base_url: str, campaign_id: int) -> str:
    """A sent digest's page on the site: the mail as it went out, without personal fields."""
    return f"{base_url}/digests/{campaign_id}"


def confirm_url(settings: Settings, token: str) -> str:
    """The double opt-in confirmation page of a pending subscription."""
    return f"{settings.base_url}/confirm/{token}"
