"""Tracking links and the open pixel (issue 15), public and without login: /r/<token> and /o/<token>.gif.

/r/<token> answers 302 to the URL stored for that link of that campaign (never one from the request: no
open redirect); a token that is not one the publisher signed, or names no stored link, is a neutral 404
and records nothing. HEAD is answered the same (a link checker's; recorded as a machine). /o/<token>.gif is
always the 1x1 transparent GIF, never cached; only a valid token records an open. publisher.insight.capture
decides and records (in batches: publisher.insight.recording); an error writing is logged and the reader still
gets their page. Most of these requests never reach FastAPI: publisher.web.tracking_fast answers them in front
of it with the same Capture; what comes here is what it leaves (a 404, a link not cached yet, a flush interval
of 0).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from publisher.insight.capture import Capture, Hit
from publisher.web.deps import page
from publisher.web.tracking_fast import NO_STORE, PIXEL

router = APIRouter(include_in_schema=False)


def _capture(request: Request) -> Capture:
    capture: Capture = request.app.state.tracking_capture  # made in create_app, shared with the fast path
    return capture


def _hit(request: Request) -> Hit:
    return Hit(
        method=request.method,
        user_agent=request.headers.get("user-agent", ""),
        ip=request.client.host if request.client else "",
    )


@router.api_route("/r/{token}", methods=["GET", "HEAD"])
def follow(token: str, request: Request) -> Response:
    url = _capture(request).click(token, _hit(request))
    if url is None:
        return page(request, "not_found.html.j2", {"what": "link"}, status_code=404, read_store=False)
    return RedirectResponse(url, status_code=302, headers=NO_STORE)


@router.get("/o/{token}")
def pixel(token: str, request: Request) -> Response:
    _capture(request).open(token, _hit(request))
    return Response(PIXEL, media_type="image/gif", headers=NO_STORE)
