"""How the web app words publisher's typed errors: the HTTP status, and the hint each surface adds.

A service's message never names an interface's option; here the API names its `force` field and the
editor its "share again" and "send again" checkboxes.
"""

from __future__ import annotations

from publisher.errors import (
    AlreadyShared,
    BrokerUnavailable,
    Conflict,
    DuplicateSend,
    Forbidden,
    MediaUnavailable,
    NotFound,
    PublisherError,
    StorageUnavailable,
)

# Most specific first: the first class the error is an instance of gives the status.
_STATUS: list[tuple[type[PublisherError], int]] = [
    (NotFound, 404),  # an id or name that does not exist
    (Forbidden, 403),  # a role or token scope the caller lacks
    (Conflict, 409),  # clashes with what exists; `force` may override it
    (StorageUnavailable, 503),  # the data directory is full or read-only: try again later
    (MediaUnavailable, 503),  # the media store (a bucket, a disk) did not take the file: try again later
    (BrokerUnavailable, 503),  # the work is saved; the broker took no wake-up call: the sweep will
]


def status_for(exc: PublisherError) -> int:
    """The HTTP status of a typed error; any other PublisherError is bad input, 422."""
    return next((status for kind, status in _STATUS if isinstance(exc, kind)), 422)


def word(exc: PublisherError, *, api: bool) -> str:
    """The error's message with the hint of the surface that shows it (the API's JSON or an editor page)."""
    if isinstance(exc, AlreadyShared):
        hint = 'send "force": true' if api else "tick “share again”"
        return f"{exc}; {hint} to share again"
    if isinstance(exc, DuplicateSend):
        hint = 'send "force": true' if api else "tick “send again”"
        return f"{exc}; {hint} to send it again"
    return str(exc)
