"""Creating campaigns: render (or compose) once, then write every outbox row in one statement.

Creation checks everything that can be checked before a worker sees the campaign: the channel opens with
these settings, the subject and every header value are clean, the message template builds (a missing DKIM
key shows here, in the command that sends, not in a worker's log).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from publisher import publication
from publisher.campaigns.duplicates import check_submission, find_duplicate, lock_send, submitted_campaign
from publisher.campaigns.outbox import queue_subscribers
from publisher.campaigns.post_links import POST_RECIPIENT, PostLinks, check_post_tracking, tracking_settings
from publisher.campaigns.schedule import check_send_at
from publisher.campaigns.templates import load_overrides
from publisher.channels import TextLimits, open_channel
from publisher.config import Settings
from publisher.delivery import campaign_template
from publisher.errors import AlreadyShared, AlreadySubmitted, InaccessibleDigest, PublisherError
from publisher.library import get_articles
from publisher.render.a11y import check_digest
from publisher.render.edited import edited_post
from publisher.render.email import RenderedDigest, render_digest
from publisher.render.images import check_images, pick_images, with_images
from publisher.render.mime import check_header_value
from publisher.render.share import PostShape, compose_post
from publisher.render.tracked import track_links
from publisher.render.urls import digest_url
from publisher.states import PENDING_ROWS, CampaignKind, CampaignState, RowState
from publisher.store import Store
from publisher.store.insight import TrackedLink
from publisher.store.models import Campaign, CampaignArticle, CampaignList, OutboxRow, utcnow
from publisher.subscribers import get_list
from publisher.tracking import Mode, mode_of


def create_email_campaign(
    store: Store,
    settings: Settings,
    article_ids: Sequence[int],
    list_name: str | Sequence[str],
    *,
    subject: str | None = None,
    send_at: datetime | None = None,
    force: bool = False,
    submission: str | None = None,
    full: bool | None = None,
    preheader: str | None = None,
    strict: bool = False,
    cadence: str | None = None,
) -> int:
    """Render the digest once and queue one outbox row per active subscriber of the list.

    list_name: one list, or several: each address on any of them gets one message (see campaigns.outbox).

    With send_at (timezone-aware, in the future) the campaign is "scheduled": the periodic sweep starts it
    when the time comes (see schedule.start_due); until then nothing is dispatched.

    The same articles to the same list within the duplicate-send window raise DuplicateSend unless forced;
    a submission token that already made a campaign raises AlreadySubmitted (see campaigns.duplicates).
    full: every article in full (True) or as its summary with a "Read more" link (False); None: full text
    for one article, summaries for several (render.email.render_digest). The digest renders with the
    publication's template overrides (campaigns.templates). strict: refuse with InaccessibleDigest, queueing
    nothing, when the accessibility check (render.a11y) finds anything in the rendered digest.
    cadence: only the readers whose effective cadence is this one (a recurring digest's; campaigns.outbox).
    """
    when = check_send_at(send_at) if send_at is not None else None
    token = check_submission(submission)
    try:
        return _create_email_campaign(
            store, settings, article_ids, list_name, subject, when, force, token, full, preheader, strict, cadence
        )
    except IntegrityError:
        # Two posts of one form that raced past the check: the unique submission column let one through.
        earlier = _submitted(store, token) if token is not None else None
        if earlier is None:
            raise
        raise AlreadySubmitted(earlier) from None


def _submitted(store: Store, token: str) -> int | None:
    with store.session() as session:
        return submitted_campaign(session, token)


def _create_email_campaign(
    store: Store,
    settings: Settings,
    article_ids: Sequence[int],
    list_name: str | Sequence[str],
    subject: str | None,
    when: datetime | None,
    force: bool,
    token: str | None,
    full: bool | None = None,
    preheader: str | None = None,
    strict: bool = False,
    cadence: str | None = None,
) -> int:
    if not article_ids:
        raise PublisherError("name at least one article to send")
    list_names = list(dict.fromkeys([list_name] if isinstance(list_name, str) else list_name))
    if not list_names:
        raise PublisherError("name at least one list to send to")
    if subject is not None:
        check_header_value("subject", subject)
    channel = settings.email_channel
    open_channel(channel, settings).close()  # a configuration error shows now, not in a worker
    settings = publication.effective(store, settings)  # the publication's name, sender, footer, look
    with store.session() as session:
        articles = get_articles(session, list(article_ids))
        mailing_lists = [get_list(session, name) for name in list_names]
        for mailing_list in mailing_lists:  # held until commit: the checks and the insert are one
            lock_send(session, mailing_list.id, article_ids)
        earlier = submitted_campaign(session, token) if token is not None else None
        if earlier is not None:
            raise AlreadySubmitted(earlier)
        for mailing_list in [] if force else mailing_lists:
            duplicate = find_duplicate(session, settings, mailing_list, article_ids, when or utcnow())
            if duplicate is not None:
                raise duplicate
        campaign = Campaign(
            kind=CampaignKind.EMAIL,
            state=CampaignState.SCHEDULED if when else CampaignState.QUEUED,
            scheduled_at=when,
            list_id=mailing_lists[0].id,
            submission=token,
            identity=publication.identity_of(settings),
            tracking=settings.tracking,  # frozen: a report never mixes modes (issue 15)
        )
        session.add(campaign)
        session.flush()  # its id first: the digest links to its own page ("View in browser")
        view_url = digest_url(settings.base_url, campaign.id)
        digest = render_digest(
            articles,
            settings,
            subject=subject,
            full=full,
            preheader=preheader,
            view_url=view_url,
            overrides=load_overrides(session),
        )
        digest = _tracked(session, campaign, digest)
        findings = check_digest(digest.html, digest.text, digest.preheader) if strict else []
        if findings:
            raise InaccessibleDigest([str(f) for f in findings])  # the transaction is rolled back: no campaign
        check_header_value("subject", digest.subject)
        campaign.subject, campaign.body_html, campaign.body_text = digest.subject, digest.html, digest.text
        campaign.render_key = digest.key
        campaign_template(session, campaign, settings)  # a bad header value or DKIM key is refused before queueing
        _link_articles(session, campaign.id, article_ids)
        list_ids = [m.id for m in mailing_lists]
        session.add_all(CampaignList(campaign_id=campaign.id, list_id=i, position=n) for n, i in enumerate(list_ids))
        queue_subscribers(session, campaign.id, list_ids, channel, cadence=cadence)
        if not session.scalar(select(exists().where(OutboxRow.campaign_id == campaign.id))):  # not count(): 10M rows
            if cadence is not None:
                raise PublisherError(f"no active subscriber of {', '.join(list_names)} has the cadence {cadence!r}")
            if len(list_names) == 1:
                raise PublisherError(f"list {list_names[0]!r} has no active subscribers; nothing to send")
            named = ", ".join(repr(name) for name in list_names)
            raise PublisherError(f"lists {named} have no active subscribers; nothing to send")
        return campaign.id


def _tracked(session: Session, campaign: Campaign, digest: RenderedDigest) -> RenderedDigest:
    """In a tracking mode, the digest with its links, pixel and honeypot placed, and its links stored."""
    if mode_of(campaign.tracking) == Mode.OFF:
        return digest
    digest, links = track_links(digest)
    session.add_all(
        TrackedLink(campaign_id=campaign.id, position=t.position, url=t.url, honeypot=t.honeypot) for t in links
    )
    return digest


def create_share_campaign(
    store: Store,
    settings: Settings,
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
    """Compose and queue one post per channel; a channel the article was shared to is refused unless forced.

    attach_image: attach the article's cover image to the Mastodon and X posts (Bluesky's card always
    shows it). send_at (timezone-aware, in the future): the campaign is "scheduled" and the periodic sweep
    starts it then (schedule.start_due), as a scheduled send; an earlier share still pending counts as shared.
    texts: the editor's own text for some channels (render.edited), posted instead of the composed one;
    one over its network's limit raises TextTooLong and nothing is queued.
    track_clicks: each post's link goes through /r/<token> (campaigns.post_links); refused (PublisherError)
    when the publication's tracking mode is off.

    Raises AlreadyShared (a Conflict) for the first such channel; each interface words how to force it.
    """
    when = check_send_at(send_at) if send_at is not None else None
    if track_clicks:  # the publication's tracking mode and UTM setting decide
        settings = tracking_settings(store, settings)
    opened = open_share_channels(settings, channels)
    with store.session() as session:
        return add_share_campaign(
            session,
            settings,
            article_id,
            opened,
            force=force,
            attach_image=attach_image,
            when=when,
            shape=shape,
            texts=texts,
            track_clicks=track_clicks,
        )


def open_share_channels(settings: Settings, channels: Sequence[str]) -> dict[str, TextLimits]:
    """Each named channel's limits, opened and closed once: a configuration error shows now, not in a worker."""
    if not channels:
        raise PublisherError("name at least one channel to share to")
    limits = {}
    for name in dict.fromkeys(channels):
        channel = open_channel(name, settings)
        try:
            limits[name] = channel.limits
        finally:
            channel.close()
    return limits


def add_share_campaign(
    session: Session,
    settings: Settings,
    article_id: int,
    channels: dict[str, TextLimits],
    *,
    force: bool = False,
    attach_image: bool = False,
    when: datetime | None = None,
    shape: PostShape | None = None,
    texts: Mapping[str, str] | None = None,
    track_clicks: bool = False,
) -> int:
    """The share campaign, in the caller's transaction: one composed post per channel; when (UTC) schedules it.

    texts: the editor's text for some of the channels, stored on their rows in place of the composed one.
    shape.images: the article's images the editor picked (render.images), refused (ImageRefused) before any
    row when one is not the article's, has no alt text, or a network would not take them.
    track_clicks: the posts link through /r/<token> (campaigns.post_links), with `settings` the effective
    ones (the publication's tracking mode, refused when off).
    """
    texts = texts or {}
    stray = [name for name in texts if name not in channels]
    if stray:
        raise PublisherError(f"a text is given for {stray[0]}, which is not among the channels shared to")
    article = get_articles(session, [article_id])[0]
    images = pick_images(article, shape.images) if shape is not None else []
    check_images(settings, images, channels)  # before any row: too many, too big or of a kind a network refuses
    if not force:
        for name in channels:
            where = find_earlier_share(session, article_id, name)
            if where is not None:
                raise AlreadyShared(article_id, name, where)
    state = CampaignState.SCHEDULED if when is not None else CampaignState.QUEUED
    tracking = check_post_tracking(settings) if track_clicks else None
    campaign = Campaign(
        kind=CampaignKind.SHARE, state=state, scheduled_at=when, subject=article.title, tracking=tracking
    )
    session.add(campaign)
    session.flush()  # its id first: the tracked links' tokens carry it
    links = PostLinks(settings, campaign.id, article) if track_clicks else None
    _link_articles(session, campaign.id, [article_id])
    for name, limits in channels.items():
        text = texts.get(name)
        if text is not None and not _as_thread(shape, text):  # the editor's text, one post, refused over the limit
            post = edited_post(article, name, limits, settings, text, attach_image=attach_image)
        else:  # composed, or the editor's text split as a thread (stored on the row: a retry posts the edit too)
            given = shape
            if text is not None:
                given = PostShape(bool(shape and shape.thread), bool(shape and shape.numbered), {name: text})
            post = compose_post(article, name, limits, settings, attach_image=attach_image, shape=given)
        post = with_images(post, name, images)
        if links is not None:
            post = links.track(post, name, limits)
        session.add(
            OutboxRow(
                campaign_id=campaign.id,
                recipient_id=POST_RECIPIENT,
                channel=name,
                state=RowState.QUEUED,
                payload=post.payload(),
            )
        )
        if links is not None:
            session.flush()  # one row at a time: their ids keep the channels' order, which the positions name
    if links is not None:
        session.add_all(links.links)
    return campaign.id


def find_earlier_share(session: Session, article_id: int, channel: str) -> str | None:
    """Where the article was shared to this channel (account) before, or None."""
    earlier = session.execute(
        select(OutboxRow.url, OutboxRow.provider_id, OutboxRow.state)
        .join(Campaign, Campaign.id == OutboxRow.campaign_id)
        .join(CampaignArticle, CampaignArticle.campaign_id == Campaign.id)
        .where(
            Campaign.kind == CampaignKind.SHARE,
            CampaignArticle.article_id == article_id,
            OutboxRow.channel == channel,
            OutboxRow.state.in_((*PENDING_ROWS, RowState.SENT)),
        )
        .order_by(OutboxRow.id.desc())
    ).first()
    if earlier is None:
        return None
    if earlier.url:
        return earlier.url
    return "(still queued)" if earlier.state != RowState.SENT else f"(posted, id {earlier.provider_id})"


def earlier_share(store: Store, article_id: int, channel: str) -> str | None:
    """Where the article was shared to this channel (account) before, or None."""
    with store.session() as session:
        return find_earlier_share(session, article_id, channel)


def _link_articles(session: Session, campaign_id: int, article_ids: Sequence[int]) -> None:
    session.add_all(
        CampaignArticle(campaign_id=campaign_id, article_id=a, position=i) for i, a in enumerate(article_ids)
    )


def _as_thread(shape: PostShape | None, text: str) -> bool:
    """Whether the editor's text goes out as a thread: asked for, or split by a line of only `---`."""
    return bool(shape and shape.thread) or any(line.strip() == "---" for line in text.splitlines())
