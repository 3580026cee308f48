"""The HTTP channels' base: one status classifier shared by X, Mastodon, Bluesky and webhooks.

Each channel turns its library's failure into an `HttpAnswer` (the status, the headers and the server's
own words, as far as the library shows them) or a `NoAnswer` (timeout, refused connection); `classify`
alone decides what that means:

    429                         TransientError, retry_after from Retry-After or the rate-limit reset header
    408, 5xx                    TransientError (retry_after when the server sent one)
    401, 403                    PermanentError (credentials or permissions; X's 403 "duplicate content" is
                                answered by the X channel before it gets here)
    other 4xx, unknown          PermanentError (the payload was refused)
    no answer                   TransientError: a timeout may hide a post that went out, and the post's
                                idempotency key makes the retry safe

Messages name the account and never hold a secret: `HttpChannel.failure` blanks every secret of the account
in whatever the server said.

A post's image upload that fails is classified the same way, with one difference (`HttpChannel.without_media`):
a refusal for good (a 4xx other than 408 and 429: too big, an unsupported type, a token without the media
scope) leaves the image out, with a warning, and the post goes without it; a share never fails for its picture.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self

import httpx

from publisher.channels.account import Account
from publisher.channels.base import Channel, ChannelError, Message, PermanentError, Post, TransientError
from publisher.errors import ConfigError

if TYPE_CHECKING:
    from publisher.config import Settings

log = logging.getLogger(__name__)

DETAIL_LIMIT = 300
# Rate-limit reset headers, as networks send them: X `x-rate-limit-reset` (epoch seconds), Bluesky
# `ratelimit-reset` (epoch seconds), Mastodon `x-ratelimit-reset` (an ISO 8601 time).
RESET_HEADERS = ("x-rate-limit-reset", "ratelimit-reset", "x-ratelimit-reset")
_EPOCH_FLOOR = 1_000_000_000  # a reset value above this is a point in time, below it a number of seconds


@dataclass(frozen=True)
class HttpAnswer:
    """What the server answered, as far as the library lets us see it."""

    status: int | None  # None when the library did not say
    detail: str = ""  # the server's own words (error title, message); secrets are blanked later
    headers: Mapping[str, str] = field(default_factory=dict)
    reset_at: float | None = None  # epoch seconds, when the library parsed the reset itself (Mastodon.py)


@dataclass(frozen=True)
class NoAnswer:
    """No answer came: the request timed out or the connection failed."""

    timed_out: bool
    detail: str = ""  # e.g. the exception's type name


@dataclass(frozen=True)
class Wording:
    """How one network's refusals read: `X account 'x': credentials refused (401): ...`."""

    unauthorized: str = "refused"  # 401
    forbidden: str = "forbidden"  # 403
    refused: str = "post refused"  # other 4xx


def retry_after(answer: HttpAnswer, now: float | None = None) -> float | None:
    """Seconds to wait before retrying (at least 1), from Retry-After or a reset header; None if not said."""
    now = time.time() if now is None else now
    headers = {k.lower(): v for k, v in answer.headers.items()}
    value = headers.get("retry-after")
    if value is not None:
        seconds = _seconds(value, now, relative=True)
        if seconds is not None:
            return seconds
    if answer.reset_at is not None:
        return max(answer.reset_at - now, 1.0)
    for name in RESET_HEADERS:
        if name in headers:
            seconds = _seconds(headers[name], now, relative=False)
            if seconds is not None:
                return seconds
    return None


def _seconds(value: str, now: float, *, relative: bool) -> float | None:
    """A header value as seconds from now: delta-seconds, epoch seconds, an HTTP date or an ISO 8601 time."""
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        if number != number or number in (float("inf"), float("-inf")):
            return None
        if relative or number < _EPOCH_FLOOR:
            return max(number, 1.0)
        return max(number - now, 1.0)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if moment.tzinfo is None:
        return None
    return max(moment.timestamp() - now, 1.0)


def classify(outcome: HttpAnswer | NoAnswer, who: str, wording: Wording = Wording()) -> ChannelError:
    """The one status classifier: what a failed request to an HTTP API means for the message."""
    if isinstance(outcome, NoAnswer):
        if outcome.timed_out:
            return TransientError(f"{who}: timed out" + (f" ({outcome.detail})" if outcome.detail else ""))
        return TransientError(f"{who}: network error" + (f" ({outcome.detail})" if outcome.detail else ""))
    status = outcome.status
    detail = outcome.detail.strip()[:DETAIL_LIMIT]
    said = f": {detail}" if detail else ""
    if status == 429:
        return TransientError(f"{who}: rate limited (429)", retry_after=retry_after(outcome))
    if status == 408:
        return TransientError(f"{who}: request timeout (408)", retry_after=retry_after(outcome))
    if status is not None and status >= 500:
        return TransientError(f"{who}: server error ({status})", retry_after=retry_after(outcome))
    if status == 401:
        return PermanentError(f"{who}: {wording.unauthorized} (401){said}")
    if status == 403:
        return PermanentError(f"{who}: {wording.forbidden} (403){said}")
    return PermanentError(f"{who}: {wording.refused} ({status if status is not None else '?'}){said}")


def redact(error: ChannelError, secrets: list[str]) -> ChannelError:
    """The same error with every secret blanked (a server may echo what it was sent)."""
    message = str(error)
    hidden = message
    for secret in secrets:
        if secret:
            hidden = hidden.replace(secret, "***")
    if hidden == message:
        return error
    if isinstance(error, TransientError):
        return type(error)(hidden, retry_after=error.retry_after)
    return type(error)(hidden)


class HttpChannel(Channel):
    """A channel posting for one account through an HTTP API (an SDK's or httpx's client)."""

    wording: ClassVar[Wording] = Wording()
    account: Account

    def __init__(self, account: Account, *, timeout: float = 20.0) -> None:
        self.name = account.name
        self.account = account
        self.timeout = timeout  # seconds per request

    @classmethod
    def from_settings(cls, name: str, settings: Settings, account: Account | None) -> Self:
        if account is None:
            raise ConfigError(f"the {name} channel needs an account")
        return cls(account, timeout=settings.share_timeout)

    @property
    def who(self) -> str:
        """The account as error messages name it."""
        return f"{self.network} account {self.name!r}"

    def post_of(self, message: Message) -> Post:
        """The message as a share post; an email is refused for good."""
        if not isinstance(message, Post):
            raise PermanentError(f"the {self.name} channel sends share posts, not emails")
        return message

    def failure(self, outcome: HttpAnswer | NoAnswer, wording: Wording | None = None) -> ChannelError:
        """The classified error for a failed request, naming the account, with no secret in it."""
        return redact(classify(outcome, self.who, wording or self.wording), self.secrets())

    def without_media(self, outcome: HttpAnswer | NoAnswer) -> None:
        """After a failed image upload: return (the post goes without the image, with a warning) when the
        network refused the image for good; raise the classified error otherwise (429, 5xx, no answer)."""
        status = outcome.status if isinstance(outcome, HttpAnswer) else None
        if status is None or not 400 <= status < 500 or status in (408, 429):
            raise self.failure(outcome)
        log.warning("%s; posting without the image", self.failure(outcome, Wording(refused="image refused")))

    def secrets(self) -> list[str]:
        """What an error message must never show: the account's secrets."""
        return self.account.secret_values()


# The credentials check's wording, shared by the channels that ask the network who a token is.
CHECK_WORDING = Wording(unauthorized="access token refused", refused="credentials check refused")


class HttpxChannel(HttpChannel):
    """An HttpChannel speaking to its network with one httpx client at the account's base URL.

    Subclasses give the client's fixed headers (`headers`); a test passes a `transport` (httpx's
    MockTransport, or none to reach a local fake). Redirects are never followed: an API that answers one is
    read as an error, not chased to another host with the token.
    """

    wording: ClassVar[Wording] = Wording(unauthorized="access token refused", forbidden="not allowed to post")

    def __init__(
        self, account: Account, *, timeout: float = 20.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        super().__init__(account, timeout=timeout)
        self.client = httpx.Client(
            base_url=account.base_url,
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
            headers=self.headers(account),
        )

    def headers(self, account: Account) -> dict[str, str]:
        """The headers every request carries (none by default)."""
        return {}

    def close(self) -> None:
        self.client.close()

    def no_answer(self, exc: httpx.TransportError, wording: Wording | None = None) -> ChannelError:
        """The classified error for a request that got no answer (a timeout, a refused connection)."""
        return self.failure(NoAnswer(isinstance(exc, httpx.TimeoutException), type(exc).__name__), wording)


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The response's JSON object; {} for a body that is no JSON object."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
