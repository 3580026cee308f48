"""What each event of the log says (issue 16): the data of the events the actions emit, built in one place.

The actions call these in their own transaction (store.events.emit underneath), so an event exists exactly
when its change committed. Data holds ids and names a receiver needs; subscriber.* events also hold the
reader's address (a receiver syncing a CRM needs it; erasing the reader erases these events with them),
and no event ever holds a secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.states import CampaignKind, EventType
from publisher.store.events import emit
from publisher.store.models import ArticleRow, Campaign, CampaignArticle, MailingList, Subscriber


def article_published(session: Session, article: ArticleRow) -> None:
    """article.published: the article went from draft to published."""
    emit(
        session,
        EventType.ARTICLE_PUBLISHED,
        {"article_id": article.id, "title": article.title, "slug": article.slug},
        article_id=article.id,
    )


def digest_events(session: Session, type: EventType, campaign_ids: Iterable[int]) -> None:
    """digest.sent or digest.finished for those of the campaigns that are digests (kind "email")."""
    ids = list(campaign_ids)
    if not ids:
        return
    rows = session.execute(
        select(Campaign.id, Campaign.subject, MailingList.name)
        .outerjoin(MailingList, MailingList.id == Campaign.list_id)
        .where(Campaign.id.in_(ids), Campaign.kind == CampaignKind.EMAIL)
    ).all()
    for campaign_id, subject, list_name in rows:
        data = {"campaign_id": campaign_id, "subject": subject, "list": list_name}
        emit(session, type, data, campaign_id=campaign_id)


def post_result(session: Session, campaign_id: int, channel: str, url: str | None, error: str | None) -> None:
    """post.published (with its URL) or post.failed (with the error) for one share row's final result."""
    article_id = session.scalar(
        select(CampaignArticle.article_id).where(CampaignArticle.campaign_id == campaign_id).limit(1)
    )
    data: dict[str, Any] = {"campaign_id": campaign_id, "article_id": article_id, "channel": channel}
    if error is None:
        emit(session, EventType.POST_PUBLISHED, {**data, "url": url}, article_id=article_id, campaign_id=campaign_id)
    else:
        emit(session, EventType.POST_FAILED, {**data, "error": error}, article_id=article_id, campaign_id=campaign_id)


def subscriber_events(
    session: Session, type: EventType, subscriber_id: int, list_ids: Iterable[int] = (), **extra: Any
) -> None:
    """One subscriber.* event per list (one without a list when none is named: a bounce ends every list)."""
    email = session.scalar(select(Subscriber.email).where(Subscriber.id == subscriber_id))
    if email is None:
        return
    ids: list[int | None] = [*sorted(set(list_ids))]
    named = select(MailingList.id, MailingList.name).where(MailingList.id.in_([i for i in ids if i is not None]))
    names = dict(session.execute(named).all())
    for list_id in ids or [None]:
        listed = {} if list_id is None else {"list_id": list_id, "list": names.get(list_id)}
        emit(
            session,
            type,
            {"subscriber_id": subscriber_id, "email": email, **listed, **extra},
            subscriber_id=subscriber_id,
        )
