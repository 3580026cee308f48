"""How the web app words publisher's typed errors: the HTTP status, and the hint each surface adds.

A service's message never names an interface's option; here the API names its `force` field and the
editor its "share again" checkbox.
"""

from __future__ import annotations

from publisher.errors import AlreadyShared, Conflict, NotFound, PublisherError


def status_for(exc: PublisherError) -> int:
    """404 for something that does not exist, 409 for a conflict (it may be forced), 422 for bad input."""
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    return 422


def word(exc: PublisherError, *, api: bool) -> str:
    """The error's message with the hint of the surface that shows it (the API's JSON or an editor page)."""
    if isinstance(exc, AlreadyShared):
        hint = 'send "force": true' if api else "tick “share again”"
        return f"{exc}; {hint} to share again"
    return str(exc)
