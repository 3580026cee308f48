"""What a request may carry: body size per route, JSON text that is text, and errors that echo nothing.

Body limits use FastAPI's own `max_body_size` (the app's default, a route's own where it needs more or
less): the limit is checked against Content-Length before anything is read, and chunked bodies are
counted as they stream in, so an oversized request costs the server one chunk, never the whole body. The
answer is a 413 "Content Too Large".

A JSON string holding a lone surrogate ("\\ud800") parses in Python but is no text: it cannot be stored,
encoded or echoed, and used to end in a 500. `JsonTextRoute` refuses it with a 422 naming the field.

Validation errors (422) keep each error's loc, msg and type and never its input, so a large or hostile
body is not sent back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute

from publisher.importers import MAX_BYTES

KiB = 1024
MiB = 1024 * KiB

DEFAULT = 64 * KiB  # every route not listed below: logins, editor forms, JSON API calls
SIGNUP = 16 * KiB  # /subscribe, /api/subscribe: an address, a name and a list
ADDRESSES = 4 * MiB  # POST /api/subscribers, the editor's add form: up to 10,000 addresses
SETTINGS = 12 * MiB  # the editor's Settings form with a logo: PUBLISHER_MEDIA_MAX_BYTES' default (10 MB) and the form
TEMPLATE = 1 * MiB  # the editor's Templates form: a template's source (at most 200,000 characters), URL-encoded
ARTICLE = MAX_BYTES + MiB  # an article upload or edit: the 5 MiB import limit plus its form or JSON wrapping
CSV = 32 * MiB  # the editor's subscriber CSV import
BOUNCE = 10 * MiB  # a bounce report pushed to the webhook
FIELD = 1 * MiB  # one field of an editor form (Starlette's default), except the article forms' (ARTICLE)
PASTE = MAX_BYTES  # the editor's paste box: what an upload may be
# An image upload (POST /editor/media, POST /api/media): PUBLISHER_MEDIA_MAX_BYTES plus the multipart form
# around it (media_body), checked against Content-Length first; MEDIA is the routes' own ceiling, which a
# chunked body without a Content-Length is counted against as it arrives.
MEDIA_FORM = 64 * KiB
MEDIA = 64 * MiB

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def size(n: int) -> str:
    """16 KiB, 6 MiB: how the limits are shown."""
    return f"{n // MiB} MiB" if n >= MiB and n % MiB == 0 else f"{n // KiB} KiB"


def media_body(media_max_bytes: int) -> int:
    """The largest image upload request: the image limit plus the form around the file."""
    return min(media_max_bytes + MEDIA_FORM, MEDIA)


def refuse_larger_than(request: Request, most: int, why: str) -> None:
    """413 Content Too Large, saying why, when the request declares a body over `most` bytes; nothing of the
    body has been read then."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > most:
        raise HTTPException(status_code=413, detail=why)


def clean_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Validation errors without the input (or ctx, which may quote it): loc, msg and type only."""
    return [
        {
            "loc": [_printable(part) for part in error.get("loc", ())],
            "msg": _printable(error.get("msg", "")),
            "type": _printable(error.get("type", "")),
        }
        for error in errors
    ]


def _printable(value: object) -> object:
    """An int as is; text with surrogates replaced and cut short (a loc may hold a key from the input)."""
    if isinstance(value, int):
        return value
    text = str(value).encode("utf-8", "replace").decode("utf-8")
    return text if len(text) <= 200 else text[:200] + "…"


def lone_surrogate_at(data: object) -> list[str | int] | None:
    """Where a JSON value holds a lone surrogate (in a string or a key): its path, or None when it is all text."""
    stack: list[tuple[list[str | int], object]] = [([], data)]
    while stack:  # iterative: the nesting depth is the client's to choose
        path, value = stack.pop()
        if isinstance(value, str):
            if not value.isascii() and _LONE_SURROGATE.search(value):
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                if not key.isascii() and _LONE_SURROGATE.search(key):
                    return [*path, _printable(key)]  # type: ignore[list-item]
                stack.append(([*path, key], item))
        elif isinstance(value, list):
            stack.extend(([*path, index], item) for index, item in enumerate(value))
    return None


def surrogate_error(path: list[str | int]) -> HTTPException:
    """The 422 for a lone surrogate at path, shaped like a validation error."""
    where = ".".join(str(p) for p in path) or "the body"
    return HTTPException(
        status_code=422,
        detail=[
            {
                "loc": ["body", *path],
                "msg": f"{where} holds a lone surrogate (like \\ud800), which is not text",
                "type": "string_unicode",
            }
        ],
    )


class _JsonTextRequest(Request):
    async def json(self) -> Any:  # noqa: ANN401 - any JSON value
        data = await super().json()
        path = lone_surrogate_at(data)
        if path is not None:
            raise surrogate_error(path)
        return data


class JsonTextRoute(APIRoute):
    """A route whose JSON body must be text: a lone surrogate anywhere is a 422 naming the field."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            return await handler(_JsonTextRequest(request.scope, request.receive))

        return checked
