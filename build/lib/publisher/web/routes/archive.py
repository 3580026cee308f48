"""The public archive of sent digests: every digest that went out, with links to its articles."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from publisher import editing
from publisher.campaigns.archive import sent_digest_html
from publisher.store import Store
from publisher.web.deps import DbId, get_store, page

router = APIRouter(include_in_schema=False)


@router.get("/digests", response_class=HTMLResponse)
def digests(request: Request, store: Store = Depends(get_store)) -> Response:
    return page(request, "digests.html.j2", {"digests": editing.sent_digests(store)})


@router.get("/digests/{campaign_id}", response_class=HTMLResponse)
def digest(request: Request, campaign_id: DbId, store: Store = Depends(get_store)) -> Response:
    """The digest as it was mailed ("View in browser"), without the reader's personal parts."""
    html = sent_digest_html(store, campaign_id)
    if html is None:
        return page(request, "not_found.html.j2", {"what": "digest"}, status_code=404)
    return HTMLResponse(html)
