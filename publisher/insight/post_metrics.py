"""Share posts' likes, reposts and replies, read back from their networks by a periodic task (issue 15).

`read_post_metrics` picks the posts due (sent share rows with the provider's id, posted in the last
READ_FOR, not asked in the last READ_EVERY, longest waiting first), asks each post's channel
(`Channel.metrics`, with no database in reach: this module reads the rows and writes the answers) and
stores what came back in post_metrics. A network that could not answer (an outage, a PDS without an
AppView to proxy app.bsky.feed.getPosts to) leaves its error there and keeps the counts read before;
`read_at` is when the network was last asked. The worker calls it every POST_METRICS_SECONDS.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from publisher.channels import ChannelError, PostCounts, open_channel
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.states import CampaignKind, RowState
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow, PostMetric, utcnow

log = logging.getLogger(__name__)

READ_EVERY = timedelta(hours=1)  # a post's counts are asked again after this long
READ_FOR = timedelta(days=30)  # and no more once the post is older than this
BATCH = 200  # posts asked per run at most
NO_COUNTS = "this network's API gives no likes, reposts or replies"


@dataclass(frozen=True)
class Due:
    outbox_id: int
    campaign_id: int
    channel: str
    provider_id: str


def due_posts(session: Session, *, now: datetime, every: timedelta = READ_EVERY, limit: int = BATCH) -> list[Due]:
    """The posts whose counts are due to be read, never-read ones first, then the longest waiting."""
    rows = session.execute(
        select(OutboxRow.id, OutboxRow.campaign_id, OutboxRow.channel, OutboxRow.provider_id)
        .join(Campaign, Campaign.id == OutboxRow.campaign_id)
        .outerjoin(PostMetric, PostMetric.outbox_id == OutboxRow.id)
        .where(
            Campaign.kind == CampaignKind.SHARE,
            OutboxRow.state == RowState.SENT,
            OutboxRow.provider_id.is_not(None),
            or_(OutboxRow.updated_at.is_(None), OutboxRow.updated_at >= now - READ_FOR),
            or_(PostMetric.read_at.is_(None), PostMetric.read_at < now - every),
        )
        .order_by(PostMetric.read_at.is_not(None), PostMetric.read_at, OutboxRow.id)
        .limit(limit)
    )
    return [
        Due(outbox_id, campaign_id, channel, provider_id or "") for outbox_id, campaign_id, channel, provider_id in rows
    ]


def _ask(settings: Settings, channel_name: str, posts: list[Due]) -> dict[int, PostCounts | str]:
    """Each post's counts, or the reason there are none, from one channel opened for them all."""
    try:
        channel = open_channel(channel_name, settings)
    except (ChannelError, PublisherError) as exc:
        return {post.outbox_id: f"channel {channel_name} cannot open: {exc}" for post in posts}
    answers: dict[int, PostCounts | str] = {}
    try:
        for post in posts:
            try:
                answers[post.outbox_id] = channel.metrics(post.provider_id) or NO_COUNTS
            except ChannelError as exc:
                answers[post.outbox_id] = str(exc) or type(exc).__name__
    finally:
        channel.close()
    return answers


def read_post_metrics(
    store: Store, settings: Settings, *, now: datetime | None = None, every: timedelta = READ_EVERY
) -> int:
    """Ask the networks for the due posts' counts and store them; how many posts got counts."""
    now = now or utcnow()
    with store.session() as session:
        due = due_posts(session, now=now, every=every)
    by_channel: dict[str, list[Due]] = {}
    for post in due:
        by_channel.setdefault(post.channel, []).append(post)
    answers: dict[int, PostCounts | str] = {}
    campaigns = {post.outbox_id: post.campaign_id for post in due}
    for channel_name, posts in by_channel.items():  # no transaction stays open around a network call
        answers.update(_ask(settings, channel_name, posts))
    counted = 0
    with store.session() as session:
        for outbox_id, answer in answers.items():
            row = session.get(PostMetric, outbox_id) or PostMetric(
                outbox_id=outbox_id, campaign_id=campaigns[outbox_id]
            )
            row.read_at = now
            if isinstance(answer, PostCounts):
                row.likes, row.reposts, row.replies, row.error = answer.likes, answer.reposts, answer.replies, None
                counted += 1
            else:
                row.error = answer[:1000]
                log.info("post metrics of outbox row %d: %s", outbox_id, row.error)
            session.add(row)
    return counted
