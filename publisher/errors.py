"""The errors publisher raises for bad input; each message names the problem.

Interfaces word them: the CLI prints the message and exits 2, the API answers 422 for a PublisherError,
404 for NotFound and 409 for a Conflict. A message never names an interface's option (such as `--force`):
each interface adds its own hint from the error's fields.
"""

from __future__ import annotations

from datetime import datetime


class PublisherError(Exception):
    """Base class: a problem the user can fix, with a message that says what it is."""


class ImportFailed(PublisherError):
    """An article file could not be read as an article."""


class InvalidAddress(PublisherError):
    """One or more email addresses are not valid."""


class NotFound(PublisherError):
    """An id or name that does not exist."""


class HeaderInjection(PublisherError):
    """A value meant for a mail header contains a line break."""


class ConfigError(PublisherError):
    """The settings are inconsistent or incomplete."""


class Forbidden(PublisherError):
    """The caller is known but may not do this (a role or token scope it lacks)."""


class Conflict(PublisherError):
    """The request clashes with what already exists or is happening; it may be forced or retried."""


class AlreadyShared(Conflict):
    """The article was shared to this channel (account) before; sharing again needs force."""

    def __init__(self, article_id: int, channel: str, where: str) -> None:
        super().__init__(f"article {article_id} is already shared to {channel} at {where}")
        self.article_id = article_id
        self.channel = channel
        self.where = where


class DuplicateSend(Conflict):
    """The same articles (same set, same order) went, or are scheduled to go, to this list within the
    duplicate-send window; sending again needs force. `when` is that campaign's send time (UTC)."""

    def __init__(self, campaign_id: int, when: datetime, *, list_name: str, scheduled: bool = False) -> None:
        at = f"{when:%Y-%m-%d %H:%M} UTC"
        did = (
            f"is scheduled to go to list {list_name!r} at {at}" if scheduled else f"went to list {list_name!r} at {at}"
        )
        super().__init__(f"this digest (the same articles, in the same order) {did} as campaign {campaign_id}")
        self.campaign_id = campaign_id
        self.when = when
        self.list_name = list_name
        self.scheduled = scheduled


class AlreadySubmitted(Conflict):
    """The form that asks for this send was submitted before and made campaign `campaign_id`."""

    def __init__(self, campaign_id: int) -> None:
        super().__init__(f"this form was submitted before and made campaign {campaign_id}")
        self.campaign_id = campaign_id


class TextTooLong(PublisherError):
    """A post cannot be made to fit its network's limit, even shortened."""


class LinkRefused(PublisherError):
    """A confirmation or unsubscribe link that cannot be honoured; `reason` is invalid, expired or used."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class StorageUnavailable(PublisherError):
    """The store cannot be written: `kind` is "full" or "read-only"; the message names the place."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class BrokerUnavailable(PublisherError):
    """The broker did not take a wake-up call; the outbox holds the work and the sweep hands it out later."""


class InvalidDocument(PublisherError):
    """A stored or submitted article document that is not a version this publisher reads, or malformed."""


class MediaRefused(PublisherError):
    """An upload or imported image the media store will not take: not an image, over a limit, unreadable.

    `limit` names the limit it broke ("bytes", "pixels") or is None when the file is not an image at all.
    """

    def __init__(self, message: str, *, limit: str | None = None) -> None:
        super().__init__(message)
        self.limit = limit


class ImageRefused(PublisherError):
    """An image picked for a share post that cannot go: not the article's own, without alt text, or more images
    (or a bigger or other kind of file) than a network takes; the message names the image or the network."""


class MediaUnavailable(PublisherError):
    """The media store could not be reached or written (a bucket that refuses us, a full disk)."""


class InaccessibleDigest(PublisherError):
    """A strict send refused: the accessibility check found something (render.a11y); the message lists it."""

    def __init__(self, findings: list[str]) -> None:
        self.findings = findings
        listed = "; ".join(findings)
        count = f"{len(findings)} accessibility finding{'' if len(findings) == 1 else 's'}"
        super().__init__(f"the digest has {count}, so a strict send is refused: {listed}")
