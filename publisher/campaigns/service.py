"""The actions every caller uses: send_digest(), share(), and the auto-share and sweep around them.

The CLI, the editor, the API, the demo and the scheduler all call these, so "create the campaign, then
dispatch unless scheduled" and auto-share are written once. Auto-share rides on a digest's first dispatch
(dispatch_campaign says when that was) and on a scheduled digest's start (start_due returns those).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select

from publisher.campaigns import queue
from publisher.campaigns.checks import digest_findings
from publisher.campaigns.create import create_email_campaign, create_share_campaign, earlier_share
from publisher.campaigns.dispatch import dispatch_campaign, redispatch_pending
from publisher.campaigns.queue import QueuedShare
from publisher.campaigns.schedule import start_due
from publisher.config import Settings
from publisher.dispatcher import Dispatcher
from publisher.errors import AlreadySubmitted, PublisherError
from publisher.render.a11y import Finding
from publisher.render.share import PostShape
from publisher.runtime import Services, build
from publisher.states import CampaignKind
from publisher.store import Store
from publisher.store.models import Campaign, CampaignArticle

log = logging.getLogger(__name__)


def send_digest(
    services: Services,
    article_ids: Sequence[int],
    list_name: str | Sequence[str],
    *,
    subject: str | None = None,
    send_at: datetime | None = None,
    force: bool = False,
    submission: str | None = None,
    full: bool | None = None,
    preheader: str | None = None,
    auto_share: bool = True,
    strict: bool = False,
    cadence: str | None = None,
) -> int:
    """Render a digest once, queue it for every active subscriber, and dispatch it (unless scheduled).

    Refuses with DuplicateSend (a Conflict) the same articles to the same list within
    PUBLISHER_DUPLICATE_SEND_WINDOW_HOURS of an earlier send, unless forced. A form's submission token
    that already made a campaign returns that campaign and sends nothing (a double-submit is one send).
    full: each article in full (True) or as its summary with "Read more" (False); None: full for one, summaries
    for several. preheader: the preview text after the subject (default: the first article's summary).
    list_name: one list or several; an address on several lists gets the digest once.
    auto_share=False: no PUBLISHER_SHARE_ON_DIGEST share (the editor's composer chose the accounts itself).
    strict: refuse with InaccessibleDigest when the accessibility check finds anything (campaigns.checks).
    cadence: only readers whose effective cadence is this one (a recurring digest's, automation.recurring).
    """
    s = services
    try:
        campaign_id = create_email_campaign(
            s.store,
            s.settings,
            article_ids,
            list_name,
            subject=subject,
            send_at=send_at,
            force=force,
            submission=submission,
            full=full,
            preheader=preheader,
            strict=strict,
            cadence=cadence,
        )
    except AlreadySubmitted as exc:
        return exc.campaign_id
    if send_at is None:
        dispatch(s, campaign_id, auto_share=auto_share)
    return campaign_id


def preview_findings(
    services: Services,
    article_ids: Sequence[int],
    *,
    subject: str | None = None,
    full: bool | None = None,
    preheader: str | None = None,
) -> list[Finding]:
    """What the accessibility check finds in the digest these articles make, rendered as send_digest would
    (each a warning; a strict send refuses them)."""
    s = services
    return digest_findings(s.store, s.settings, article_ids, subject=subject, full=full, preheader=preheader)


def share(
    services: Services,
    article_id: int,
    channels: Sequence[str],
    *,
    force: bool = False,
    attach_image: bool = False,
    send_at: datetime | None = None,
    shape: PostShape | None = None,
    texts: Mapping[str, str] | None = None,
    track_clicks: bool = False,
) -> int:
    """The Share action: one post per channel, dispatched (unless scheduled); raises AlreadyShared unless forced.

    attach_image: attach the article's cover image (with its alt text) on Mastodon and X; Bluesky's card
    shows it as its thumbnail either way. send_at: post then instead (issue 14), started by the sweep.
    shape: threads (render.share.PostShape); texts: the editor's own text per channel, posted instead of the
    composed one (TextTooLong when over, unless it goes as a thread). track_clicks: each post's link counts
    its clicks through /r/<token> (campaigns.post_links), refused when the publication's tracking is off.
    """
    s = services
    campaign_id = create_share_campaign(
        s.store,
        s.settings,
        article_id,
        channels,
        force=force,
        attach_image=attach_image,
        send_at=send_at,
        shape=shape,
        texts=texts,
        track_clicks=track_clicks,
    )
    if send_at is None:
        dispatch(s, campaign_id)
    return campaign_id


def add_to_queue(
    services: Services,
    article_id: int,
    accounts: Sequence[str],
    *,
    force: bool = False,
    attach_image: bool = False,
    shape: PostShape | None = None,
    texts: Mapping[str, str] | None = None,
    track_clicks: bool = False,
) -> list[QueuedShare]:
    """"Add to queue" (issue 14): each account's post scheduled at its next free posting slot.

    texts: the editor's own text per account, as share() takes them.
    """
    s = services
    now = s.clock.now()
    return queue.add_to_queue(
        s.store,
        s.settings,
        article_id,
        accounts,
        force=force,
        attach_image=attach_image,
        now=now,
        texts=texts,
        shape=shape,
        track_clicks=track_clicks,
    )


def dispatch(services: Services, campaign_id: int, *, pending_only: bool = False, auto_share: bool = True) -> int:
    """Hand a campaign's batches to the workers; a digest's first dispatch also auto-shares its articles
    (unless auto_share=False).

    Returns how many batches went out.
    """
    s = services
    done = dispatch_campaign(s.store, s.settings, s.dispatcher, campaign_id, pending_only=pending_only)
    if done.started_digest and auto_share:
        auto_share_digest(s, campaign_id)
    return done.batches


def sweep(services: Services, *, stalled_only: bool = False) -> int:
    """Start the scheduled sends that are due (auto-sharing them), then dispatch again what is pending.

    Every worker runs this at start (stalled_only=False: every pending campaign) and then periodically
    (stalled_only=True: only campaigns whose claims went stale or that made no progress for a lease).
    Returns how many batches were dispatched again.
    """
    s = services
    now = s.clock.now()
    started = start_due(s.store, s.settings, s.dispatcher, now=now)
    for campaign_id in started:
        auto_share_digest(s, campaign_id)
    return redispatch_pending(s.store, s.settings, s.dispatcher, stalled_only=stalled_only, now=now, skip=started)


def auto_share_digest(services: Services, campaign_id: int) -> list[int]:
    """Share the articles of a digest campaign to PUBLISHER_SHARE_ON_DIGEST's channels.

    Channels an article was already shared to are skipped (never forced); a problem with one article or
    channel is logged and does not stop the digest. Returns the share campaign ids.
    """
    channels = services.settings.share_on_digest_channels
    if not channels:
        return []
    with services.store.session() as session:
        article_ids = session.scalars(
            select(CampaignArticle.article_id)
            .join(Campaign, Campaign.id == CampaignArticle.campaign_id)
            # A digest's articles only: a scheduled share the sweep started is not shared again.
            .where(CampaignArticle.campaign_id == campaign_id, Campaign.kind == CampaignKind.EMAIL)
            .order_by(CampaignArticle.position)
        ).all()
    return [cid for a in article_ids if (cid := _auto_share(services, a, channels))]


def auto_share_article(services: Services, article_id: int) -> int | None:
    """Share a newly published article to PUBLISHER_SHARE_ON_IMPORT's channels (skipping earlier shares)."""
    return _auto_share(services, article_id, services.settings.share_on_import_channels)


def _auto_share(services: Services, article_id: int, channels: list[str]) -> int | None:
    if not channels:
        return None
    try:
        todo = [name for name in channels if earlier_share(services.store, article_id, name) is None]
        if not todo:
            return None
        return share(services, article_id, todo)
    except PublisherError as exc:
        log.warning("auto-share of article %s to %s failed: %s", article_id, ", ".join(channels), exc)
        return None
    except Exception:  # the digest (or import) it rides on has happened: never fail it over a share
        log.exception("auto-share of article %s to %s failed", article_id, ", ".join(channels))
        return None


def services_of(store: Store, settings: Settings, dispatcher: Dispatcher) -> Services:
    """A Services around parts a caller already holds (see campaigns.compat)."""
    return build(settings, store=store, dispatcher=dispatcher)
