"""Campaign and outbox states: the one vocabulary every layer uses, and the moves allowed between them.

Bottom layer: imports nothing from publisher. Values are the strings stored in the database.
"""

from __future__ import annotations

from enum import StrEnum


class CampaignKind(StrEnum):
    EMAIL = "email"  # a digest mailed to a list
    SHARE = "share"  # one post per social channel
    CONFIRM = "confirm"  # a double opt-in confirmation mail (one row)
    SEQUENCE = "sequence"  # one step of a list's welcome sequence (a row per reader when their step is due)
    EVENT = "event"  # one event's webhook deliveries (a row per subscribed endpoint)


class CampaignState(StrEnum):
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENDING = "sending"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


class RowState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"
    CANCELLED = "cancelled"


# Rows a worker may still pick up; rows that are final; campaigns that still hand out rows.
PENDING_ROWS: tuple[RowState, ...] = (RowState.QUEUED, RowState.SENDING)
FINISHED_ROWS: tuple[RowState, ...] = (RowState.SENT, RowState.FAILED, RowState.SUPPRESSED)
ACTIVE_CAMPAIGNS: tuple[CampaignState, ...] = (CampaignState.QUEUED, CampaignState.SENDING)
# Kinds that are mail and travel on the email queue.
MAIL_KINDS: tuple[CampaignKind, ...] = (CampaignKind.EMAIL, CampaignKind.CONFIRM, CampaignKind.SEQUENCE)



class EventType(StrEnum):
    """The event log's vocabulary (issue 16): what webhook endpoints subscribe to."""

    ARTICLE_PUBLISHED = "article.published"
    DIGEST_SENT = "digest.sent"  # a digest started going out
    DIGEST_FINISHED = "digest.finished"  # every row of it is final
    POST_PUBLISHED = "post.published"  # a share post is on its network (data: channel, url)
    POST_FAILED = "post.failed"
    SUBSCRIBER_CONFIRMED = "subscriber.confirmed"
    SUBSCRIBER_UNSUBSCRIBED = "subscriber.unsubscribed"
    SUBSCRIBER_BOUNCED = "subscriber.bounced"
    SUBSCRIBER_COMPLAINED = "subscriber.complained"


# What a reader may choose on the preferences page, where the list allows it (lists.cadences).
CADENCES: tuple[str, ...] = ("instant", "daily", "weekly")

CAMPAIGN_MOVES: dict[CampaignState, frozenset[CampaignState]] = {
    CampaignState.SCHEDULED: frozenset({CampaignState.SENDING, CampaignState.CANCELLED}),
    CampaignState.QUEUED: frozenset(
        {CampaignState.SENDING, CampaignState.PAUSED, CampaignState.DONE, CampaignState.CANCELLED}
    ),
    CampaignState.SENDING: frozenset({CampaignState.PAUSED, CampaignState.DONE, CampaignState.CANCELLED}),
    CampaignState.PAUSED: frozenset({CampaignState.SENDING, CampaignState.CANCELLED}),
    CampaignState.DONE: frozenset(),
    CampaignState.CANCELLED: frozenset(),
}

ROW_MOVES: dict[RowState, frozenset[RowState]] = {
    RowState.QUEUED: frozenset({RowState.SENDING, RowState.CANCELLED}),
    # A claim ends in a result, or goes back to queued (deferred, or put back untried).
    RowState.SENDING: frozenset(
        {RowState.QUEUED, RowState.SENDING, RowState.SENT, RowState.FAILED, RowState.SUPPRESSED}
    ),
    RowState.SENT: frozenset(),
    RowState.FAILED: frozenset(),
    RowState.SUPPRESSED: frozenset(),
    RowState.CANCELLED: frozenset(),
}


def can_move(current: CampaignState | str, target: CampaignState | str) -> bool:
    """Whether a campaign in `current` may move to `target`."""
    return CampaignState(target) in CAMPAIGN_MOVES[CampaignState(current)]


def can_move_row(current: RowState | str, target: RowState | str) -> bool:
    """Whether an outbox row in `current` may move to `target`."""
    return RowState(target) in ROW_MOVES[RowState(current)]
