"""Message sources: per claimed row, the finished message, or the reason it must not be sent.

Each is built once per batch from the campaign's one rendering; the checks that depend on the subscriber
(still subscribed, not suppressed) are made when each chunk is built, not at campaign creation.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.channels import Email, Message, Post
from publisher.config import Settings
from publisher.consent import ConfirmationSource
from publisher.delivery.claim import Claimed
from publisher.delivery.outcome import Unsendable
from publisher.errors import PublisherError
from publisher.render.email import RenderedDigest
from publisher.render.message import message_template
from publisher.render.mime import MessageTemplate, Recipient
from publisher.states import CampaignKind
from publisher.store import Store
from publisher.store.models import Campaign, MailingList
from publisher.subscribers import recipients, unsubscribe_token


class MessageSource(Protocol):
    def messages(self, store: Store, claimed: list[Claimed]) -> dict[int, Message | str]:
        """Per row id: the message, or why not (a str suppresses the row, an Unsendable fails it)."""
        ...


def campaign_template(session: Session, campaign: Campaign, settings: Settings) -> MessageTemplate:
    """The campaign's MessageTemplate (render.message builds it; this looks up the list's name)."""
    digest = RenderedDigest(campaign.subject, campaign.body_html, campaign.body_text, campaign.render_key)
    list_name = session.scalar(select(MailingList.name).where(MailingList.id == campaign.list_id)) or "list"
    return message_template(settings, campaign.id, digest, list_name)


def message_source(session: Session, campaign: Campaign, settings: Settings) -> MessageSource:
    """The source for this campaign's kind; raises (a ConfigError, say) when the settings cannot build it."""
    if campaign.kind == CampaignKind.EMAIL:
        return EmailSource(session, campaign, settings)
    if campaign.kind == CampaignKind.CONFIRM:  # double opt-in confirmation emails (publisher.consent)
        return ConfirmationSource(campaign, settings)
    return PostSource()


class EmailSource:
    """Builds each subscriber's message from the campaign's one rendering."""

    def __init__(self, session: Session, campaign: Campaign, settings: Settings) -> None:
        self.list_id = campaign.list_id
        self.secret = settings.signing_key()
        self.template = campaign_template(session, campaign, settings)

    def messages(self, store: Store, claimed: list[Claimed]) -> dict[int, Message | str]:
        """Per row: the Email, or the reason it must not be sent (checked now, not at campaign creation)."""
        by_recipient = {c.recipient_id: c.id for c in claimed}
        out: dict[int, Message | str] = {row_id: "no longer on the list" for row_id in by_recipient.values()}
        list_id = self.list_id
        if list_id is None:  # the list was deleted since the campaign was made
            return out
        with store.session() as session:
            people = recipients(session, list_id, by_recipient)
        for person in people:
            row_id = by_recipient[person.id]
            if person.suppressed is not None:
                out[row_id] = f"address is suppressed ({person.suppressed})"
            elif person.status != "active":
                out[row_id] = f"subscription is {person.status}"
            else:
                out[row_id] = self._email(list_id, person.id, person.email, person.name)
        return out

    def _email(self, list_id: int, subscriber_id: int, address: str, name: str) -> Email | Unsendable:
        token = unsubscribe_token(self.secret, subscriber_id, list_id, address)
        recipient = Recipient(id=subscriber_id, email=address, name=name, token=token)
        try:
            raw = self.template.build(recipient)
        except PublisherError as exc:  # e.g. a name with a line break that predates the checks
            return Unsendable(str(exc))
        return Email(
            message_id=self.template.message_id(subscriber_id),
            sender=self.template.envelope_from,
            recipient=address,
            raw=raw,
        )


class PostSource:
    """Share rows carry their composed post: nothing to build."""

    def messages(self, store: Store, claimed: list[Claimed]) -> dict[int, Message | str]:
        return {c.id: Post(**c.payload) if c.payload else "share row without a post" for c in claimed}
