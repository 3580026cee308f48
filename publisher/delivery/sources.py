"""Message sources: per claimed row, the finished message, or the reason it must not be sent.

Each is built once per batch from the campaign's one rendering; the checks that depend on the subscriber
(still subscribed, not suppressed) are made when each chunk is built, not at campaign creation.
"""

from __future__ import annotations

import logging
import secrets
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.channels import Message, Post, TransientError
from publisher.config import Settings
from publisher.delivery.claim import Claimed
from publisher.delivery.covers import MediaLoader
from publisher.delivery.outcome import Unsendable
from publisher.errors import PublisherError
from publisher.publication import with_identity
from publisher.render.email import RenderedDigest
from publisher.render.message import message_template
from publisher.render.mime import MessageTemplate
from publisher.states import CampaignKind
from publisher.store import Store
from publisher.store.models import Campaign, MailingList
from publisher.subscribers import campaign_list_ids, mail_recipients_of_lists

log = logging.getLogger(__name__)


# Per row: the message, or why not (a str suppresses the row, an Unsendable fails it, a TransientError
# retries it later: a post's cover image that cannot be loaded now).
Built = Message | str | TransientError


class MessageSource(Protocol):
    def messages(self, store: Store, claimed: list[Claimed]) -> dict[int, Built]:
        """Per row id: the message, or why not."""
        ...


def campaign_template(session: Session, campaign: Campaign, settings: Settings) -> MessageTemplate:
    """The campaign's MessageTemplate for its (first) list (render.message builds it)."""
    list_name = session.scalar(select(MailingList.name).where(MailingList.id == campaign.list_id)) or "list"
    return _template(campaign, settings, list_name)


def campaign_templates(session: Session, campaign: Campaign, settings: Settings) -> dict[int, MessageTemplate]:
    """A MessageTemplate per list of the campaign, in its order: each reader's List-Id names their list."""
    list_ids = campaign_list_ids(session, campaign.id, campaign.list_id)
    names = dict(session.execute(select(MailingList.id, MailingList.name).where(MailingList.id.in_(list_ids))).all())
    return {i: _template(campaign, settings, names[i]) for i in list_ids if i in names}


def _template(campaign: Campaign, settings: Settings, list_name: str) -> MessageTemplate:
    digest = RenderedDigest(campaign.subject, campaign.body_html, campaign.body_text, campaign.render_key)
    sender = with_identity(settings, campaign.identity)
    return message_template(sender, campaign.id, digest, list_name, tracking=campaign.tracking)


def message_source(session: Session, campaign: Campaign, settings: Settings, channel: str) -> MessageSource:
    """The source for this campaign's kind on `channel`; raises (a ConfigError, say) when the settings cannot
    build it."""
    # A welcome sequence's step is a digest of one text: the same template per list, to active readers only.
    if campaign.kind in (CampaignKind.EMAIL, CampaignKind.SEQUENCE):
        return MailSource(campaign_templates(session, campaign, settings), settings.signing_key())
    if campaign.kind == CampaignKind.CONFIRM:  # double opt-in: only while the subscription awaits confirming
        template = confirmation_template(campaign, settings)
        lists = {campaign.list_id: template} if campaign.list_id is not None else {}
        return MailSource(lists, settings.signing_key(), "unconfirmed")
    if campaign.kind == CampaignKind.EVENT:  # event webhooks (issue 16): one row per subscribed endpoint
        from publisher.delivery.events import EventSource

        return EventSource(session, campaign, settings)
    return PostSource(MediaLoader(settings, channel))


def confirmation_template(campaign: Campaign, settings: Settings) -> MessageTemplate:
    """A confirmation's MessageTemplate: the same builder, headers and DKIM signature as a digest."""
    # Confirmations stored before the render key existed have none; their bodies hold no placeholder.
    key = campaign.render_key or secrets.token_hex(6)
    digest = RenderedDigest(campaign.subject, campaign.body_html, campaign.body_text, key)
    list_name = campaign.mailing_list.name if campaign.mailing_list is not None else "list"
    sender = with_identity(settings, campaign.identity)
    return message_template(sender, campaign.id, digest, list_name, tracking=campaign.tracking)


class MailSource:
    """Builds each subscriber's message from the campaign's one rendering (digests and confirmations).

    templates: one per list of the campaign, in its order (none when its lists were deleted). A reader on
    several of them gets one message, built for the first list that may mail them, so its unsubscribe link
    and List-Id name a list they are on. Who may still be mailed is checked per chunk: the subscription must
    be in the `wanted` status and the address must not be suppressed.
    """

    def __init__(self, templates: dict[int, MessageTemplate], secret: str, wanted: str = "active") -> None:
        self.templates = templates
        self.secret = secret
        self.wanted = wanted

    def messages(self, store: Store, claimed: list[Claimed]) -> dict[int, Built]:
        """Per row: the Email, or the reason it must not be sent (checked now, not at campaign creation)."""
        by_recipient = {c.recipient_id: c.id for c in claimed}
        with store.autocommit() as session:  # reads only
            found = mail_recipients_of_lists(
                session, self.secret, list(self.templates), by_recipient, wanted=self.wanted
            )
        out: dict[int, Built] = {}
        for subscriber_id, row_id in by_recipient.items():
            person = found[subscriber_id]
            if isinstance(person, str):
                out[row_id] = person
                continue
            list_id, recipient = person
            try:
                out[row_id] = self.templates[list_id].email(recipient)
            except PublisherError as exc:  # e.g. a name with a line break that predates the checks
                out[row_id] = Unsendable(str(exc))
        return out


class PostSource:
    """Share rows carry their composed post; only the images' bytes are loaded (delivery.covers)."""

    def __init__(self, covers: MediaLoader) -> None:
        self.covers = covers

    def messages(self, store: Store, claimed: list[Claimed]) -> dict[int, Built]:
        out: dict[int, Built] = {}
        for row in claimed:
            if not row.payload:
                out[row.id] = "share row without a post"
                continue
            post = Post.from_payload(row.payload)
            try:
                out[row.id] = self.covers.with_media(post)
            except TransientError as exc:  # the media store or the image's server is down: retry the row,
                if row.attempts + 1 < self.covers.settings.max_attempts:
                    out[row.id] = exc
                    continue
                log.warning("%s; its last attempt goes without the image", exc)  # never fail for a picture
                out[row.id] = post
        return out
