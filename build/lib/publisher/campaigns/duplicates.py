"""The duplicate-send rule (issue 18 item 3): one digest reaches a list once, however the Send is repeated.

A send of the same articles (same set, same order) to the same list within
PUBLISHER_DUPLICATE_SEND_WINDOW_HOURS (default 24; 0 turns the rule off) of an earlier one is refused with
DuplicateSend unless forced. "Within the window" compares send times: a campaign's is its scheduled time,
else when it was created, and the new one's is its own send_at, else now. A campaign still scheduled
counts whenever it is due; a cancelled one never counts.

The editor's Send form also carries a submission token: a campaign remembers the token of the form that
made it (a unique column), and the same form posted again makes no second campaign, forced or not.

Both checks run inside the transaction that inserts the campaign, behind a lock, so two processes racing
cannot both pass: on PostgreSQL a transaction-level advisory lock keyed on (list, articles); on SQLite
every write transaction starts with BEGIN IMMEDIATE (publisher.store.session), which already admits one
writer at a time from check to commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, or_, select, text
from sqlalchemy.orm import Session

from publisher.config import Settings
from publisher.errors import DuplicateSend, PublisherError
from publisher.states import CampaignKind, CampaignState
from publisher.store import Store
from publisher.store.models import Campaign, CampaignArticle, CampaignList, MailingList, utcnow

SUBMISSION_MAX = 64  # characters; the column's size


def check_submission(token: str | None) -> str | None:
    """A form's submission token as given, None for none; one that is not a token we made is refused."""
    if token is None or not token.strip():
        return None
    token = token.strip()
    if len(token) > SUBMISSION_MAX or not token.isascii() or not all(c.isalnum() or c in "-_" for c in token):
        raise PublisherError("the form's submission token is not valid; reload the page and try again")
    return token


def lock_send(session: Session, list_id: int, article_ids: Sequence[int]) -> None:
    """Serialize sends of these articles to this list until the transaction ends (PostgreSQL; see above)."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the transaction already holds the database's write lock
    name = f"publisher.send:{list_id}:{','.join(map(str, article_ids))}".encode()
    key = int.from_bytes(hashlib.blake2b(name, digest_size=8).digest(), "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def submitted_campaign(session: Session, token: str) -> int | None:
    """The campaign the form with this submission token made, if it made one."""
    return session.scalar(select(Campaign.id).where(Campaign.submission == token))


def earlier_send(
    store: Store,
    settings: Settings,
    article_ids: Sequence[int],
    list_name: str,
    send_at: datetime | None = None,
) -> DuplicateSend | None:
    """The refusal a send of these articles to this list would meet (a confirmation page warns with it)."""
    with store.session() as session:
        mailing_list = session.scalar(select(MailingList).where(MailingList.name == list_name))
        if mailing_list is None:
            return None
        return find_duplicate(session, settings, mailing_list, article_ids, send_at or utcnow())


def find_duplicate(
    session: Session,
    settings: Settings,
    mailing_list: MailingList,
    article_ids: Sequence[int],
    at: datetime,
) -> DuplicateSend | None:
    """The refusal for sending these articles to this list at `at`, or None when nothing counts against it."""
    hours = settings.duplicate_send_window_hours
    if hours <= 0:
        return None
    window = timedelta(hours=hours)
    earliest, latest = at - window, at + window
    candidates = session.execute(
        select(Campaign.id, Campaign.state, Campaign.scheduled_at, Campaign.created_at)
        .where(
            Campaign.kind == CampaignKind.EMAIL,
            or_(Campaign.list_id == mailing_list.id, Campaign.id.in_(_to_list(mailing_list.id))),
            Campaign.state != CampaignState.CANCELLED,
            or_(
                Campaign.state == CampaignState.SCHEDULED,
                and_(Campaign.scheduled_at.is_not(None), Campaign.scheduled_at.between(earliest, latest)),
                and_(Campaign.scheduled_at.is_(None), Campaign.created_at.between(earliest, latest)),
            ),
        )
        .order_by(Campaign.id.desc())
    ).all()
    if not candidates:
        return None
    links = session.execute(
        select(CampaignArticle.campaign_id, CampaignArticle.article_id)
        .where(CampaignArticle.campaign_id.in_([c.id for c in candidates]))
        .order_by(CampaignArticle.campaign_id, CampaignArticle.position)
    ).all()
    contents: dict[int, list[int]] = {}
    for link in links:
        contents.setdefault(link.campaign_id, []).append(link.article_id)
    wanted = list(article_ids)
    for c in candidates:
        if contents.get(c.id) == wanted:
            scheduled = c.state == CampaignState.SCHEDULED
            return DuplicateSend(c.id, c.scheduled_at or c.created_at, list_name=mailing_list.name, scheduled=scheduled)
    return None


def _to_list(list_id: int) -> Select[Any]:
    """The campaigns that went to this list among others (a digest to several lists, campaign_lists)."""
    return select(CampaignList.campaign_id).where(CampaignList.list_id == list_id)
