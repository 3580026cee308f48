"""The accessibility check of a digest before it is sent (render.a11y), for the Send page, the composer and
`publisher send` (through campaigns.service.preview_findings): the digest is rendered as create_email_campaign
renders it (the publication's name, look and template overrides) and checked; nothing is stored."""

from __future__ import annotations

from collections.abc import Sequence

from publisher import publication
from publisher.campaigns.templates import load_overrides
from publisher.config import Settings
from publisher.library import get_articles
from publisher.render.a11y import Finding, check_digest
from publisher.render.email import render_digest
from publisher.store import Store


def digest_findings(
    store: Store,
    settings: Settings,
    article_ids: Sequence[int],
    *,
    subject: str | None = None,
    full: bool | None = None,
    preheader: str | None = None,
) -> list[Finding]:
    """What the accessibility check finds in the digest of these articles (each a warning)."""
    settings = publication.effective(store, settings)
    with store.session() as session:
        articles = get_articles(session, list(article_ids))
        overrides = load_overrides(session)
    digest = render_digest(articles, settings, subject=subject, full=full, preheader=preheader, overrides=overrides)
    return check_digest(digest.html, digest.text, digest.preheader)
