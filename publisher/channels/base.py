"""The channel interface: a finished message in, a Result (or a classified error) out.

A channel never renders and never touches the database; workers own state.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

if TYPE_CHECKING:
    from publisher.channels.account import Account
    from publisher.config import Settings


@dataclass(frozen=True)
class TextLimits:
    """What one post on a network may hold; None means no limit."""

    max_length: int | None = None
    url_length: int | None = None  # a URL counts as this many characters, whatever its length
    max_bytes: int | None = None  # the most UTF-8 bytes the text may take (Bluesky's 3,000), besides max_length


@dataclass(frozen=True)
class Email:
    """A finished email: the envelope and the complete MIME bytes."""

    message_id: str
    sender: str
    recipient: str
    raw: bytes


@dataclass(frozen=True)
class Attachment:
    """An image to attach to a post: its bytes, their content type, the alt text and its size in pixels when
    known (Bluesky's aspectRatio)."""

    data: bytes = field(repr=False)
    content_type: str
    alt: str = ""
    width: int | None = None
    height: int | None = None


IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


@dataclass(frozen=True)
class MediaRule:
    """How a network takes a post's images: the biggest file it accepts, the image types, how many images one
    post holds (`max_images`, the editor's picks), and whether it always wants the cover (Bluesky's card
    thumbnail) or only when the editor asks (an attached image on Mastodon and X)."""

    max_bytes: int
    always: bool = False
    max_images: int = 1
    types: frozenset[str] = IMAGE_TYPES


@dataclass(frozen=True)
class Part:
    """A later part of a thread: its text and its network extras (Bluesky's facets, finished like a post's)."""

    text: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PartRef:
    """A posted part as its network names it: the id replies point to (an at:// URI on Bluesky), Bluesky's
    record CID (a reply's strong ref needs both), and the part's public URL."""

    id: str
    cid: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class ThreadProgress:
    """The parts of a thread already posted, in order: what a retry continues from (the root and parent).

    `pending`: the record key the next part was sent with when its answer did not come (Bluesky), so the
    retry first asks whether it was created after all, and posts it under the same key if not.
    """

    posted: tuple[PartRef, ...] = ()
    pending: str | None = None

    @classmethod
    def of(cls, stored: Any) -> ThreadProgress:
        """The progress an outbox payload holds ({"posted": [{id, cid, url}, ...], "pending"}); empty if none."""
        if not isinstance(stored, dict):
            return cls()
        pending = stored.get("pending")
        refs = tuple(PartRef(**ref) for ref in stored.get("posted") or ())
        return cls(refs, pending if isinstance(pending, str) else None)


@dataclass(frozen=True)
class Post:
    """A finished share post for one network: one post, or the first part of a thread and its `replies`.

    `media` holds the bytes delivery loaded for it (the cover image); it is never part of the stored payload.
    `progress` is what the worker passes back in on a retry: the thread's parts already posted, which the
    channel skips, replying to the last of them.
    """

    text: str
    url: str
    title: str
    summary: str
    idempotency_key: str
    extra: dict[str, Any] = field(default_factory=dict)
    media: tuple[Attachment, ...] = field(default=(), repr=False, compare=False)
    replies: tuple[Part, ...] = ()
    progress: ThreadProgress = ThreadProgress()

    @property
    def parts(self) -> tuple[Part, ...]:
        """Every part in order, the first being the post itself (a post that is no thread has one)."""
        return (Part(self.text, self.extra), *self.replies)

    def payload(self) -> dict[str, Any]:
        """The post as an outbox row stores it (JSON): everything but the loaded media."""
        stored = asdict(self)
        stored.pop("media")
        return stored

    @classmethod
    def from_payload(cls, stored: dict[str, Any]) -> Post:
        """The post an outbox row stores (payload() of it, or of a post from before threads)."""
        fields = dict(stored)
        replies = tuple(Part(**part) for part in fields.pop("replies", None) or ())
        progress = ThreadProgress.of(fields.pop("progress", None))
        return cls(**fields, replies=replies, progress=progress)


@dataclass(frozen=True)
class WebhookCall:
    """One event delivery (issue 16): the JSON body to POST to an endpoint, signed with its secret.

    `webhook_id` is the event's (`evt_<id>`), the same on every retry and replay, so a receiver drops
    duplicates; delivery builds it from the event log and the endpoint, the channel only sends it.
    """

    url: str = field(repr=False)  # may carry a token in its path
    body: bytes = field(repr=False)  # a subscriber.* event holds the reader's address
    webhook_id: str
    secret: str = field(repr=False)
    host: str = ""  # how errors name the endpoint, without its path


Message = Email | Post | WebhookCall


@dataclass(frozen=True)
class Result:
    """What the network said: a status from a fixed vocabulary and the provider's id for the message."""

    status: Literal["sent", "already_sent"]
    provider_id: str
    url: str | None = None
    progress: ThreadProgress | None = None  # a thread: every part posted (provider_id and url are the first's)
    http_status: int | None = None  # the receiver's HTTP status, where delivery records it (event webhooks)


@dataclass(frozen=True)
class PostCounts:
    """What a network says of a post since it went out (issue 15); None where its API gives no number."""

    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None


class ChannelError(Exception):
    """A send that did not happen; the message says why, never with a secret in it.

    `progress`: set when a thread failed part way, the parts posted before the failure, for the worker to
    record before the row is retried (and to pass back in as `Post.progress`).
    """

    progress: ThreadProgress | None = None
    http_status: int | None = None  # the HTTP status the receiver answered with, when it answered


class TransientError(ChannelError):
    """Try again later: SMTP 4xx, HTTP 429/5xx, timeouts, refused connections."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(ChannelError):
    """Never retry: a mailbox that does not exist, invalid credentials, a rejected payload."""


# Delivery (issue 4): the two failures workers treat specially.
class ConnectionFailed(TransientError):
    """The server could not be reached or dropped us (refused, timeout, 421): says nothing about the message.

    A run of these pauses the campaign instead of burning every row's attempts.
    """


# SMTP security (extra-tls): a failure of the channel's setup, not of any message.
class SetupFailed(PermanentError):
    """The server cannot be used as configured (certificate not trusted, login refused, STARTTLS not offered).

    Retrying will not help and no message is at fault: workers pause the campaign with this reason, leaving
    its rows queued with their attempts untouched, instead of failing them one by one.
    """


class RecipientRejected(PermanentError):
    """The server refused this recipient for good (SMTP 5xx to RCPT).

    Whether the address is bad or the sender is refused is decided from `code` and `reply` (the server's
    words) by publisher.bounces: a "550 5.1.1 user unknown" suppresses, a "550 5.7.1 blocked" does not.
    """

    def __init__(self, message: str, *, recipient: str, code: int | None = None, reply: str = "") -> None:
        super().__init__(message)
        self.recipient = recipient
        self.code = code
        self.reply = reply


class Channel:
    """The contract every delivery target keeps: one module, one subclass, this surface.

    `network` names the kind of network ("smtp", "x", "mastodon", ...): its declaration in
    channels/networks/ says what verify() checks, how posts are counted and where rows queue. `name` is the
    channel (account) name outbox rows carry. send_many defaults to send in a loop; a channel that can do
    better (SMTP pipelining) overrides it. verify checks the configuration and credentials without sending
    anything. Errors raised are ChannelErrors whose messages never hold a secret.
    """

    network: ClassVar[str]
    limits: TextLimits = TextLimits()
    name: str

    @classmethod
    def from_settings(cls, name: str, settings: Settings, account: Account | None) -> Self:
        """The channel called `name`, configured from settings (and its account, on a network with accounts)."""
        raise NotImplementedError

    def send(self, message: Message) -> Result:
        raise NotImplementedError

    def send_many(self, messages: Iterable[Message]) -> Iterator[Result | ChannelError]:
        """One outcome per message, in order: a Result, or the ChannelError that message met."""
        for message in messages:
            try:
                yield self.send(message)
            except ChannelError as exc:
                yield exc

    def verify(self) -> str:
        """Check the settings (and credentials where the network has a check); who or what answered.

        The network's declaration (`Network.check`) says what kind of check this is. The default has
        nothing to ask the far end: opening the channel was the check.
        """
        return self.name

    def metrics(self, provider_id: str) -> PostCounts | None:
        """Read back a post's likes, reposts and replies by the id send() returned; None: this network's API
        gives none (the default). A network that gives them raises a ChannelError when it cannot now."""
        return None

    def close(self) -> None:
        """Release connections; the channel is not used again."""
