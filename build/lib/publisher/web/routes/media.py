"""Media files (the filesystem media store) at /media/KEY, with their content type and a year's caching.

Keys are content-addressed, so a URL's bytes never change: `Cache-Control: public, max-age=31536000,
immutable`. With an S3 bucket configured, media URLs point at the bucket (or PUBLISHER_MEDIA_PUBLIC_URL)
and this route answers 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from publisher.errors import NotFound
from publisher.media import CACHE_CONTROL, FileMediaStore
from publisher.media.images import CONTENT_TYPES

router = APIRouter()


@router.get("/media/{key:path}", include_in_schema=False)
def media_file(key: str, request: Request) -> Response:
    store = request.app.state.services.media
    if not isinstance(store, FileMediaStore):
        raise NotFound("media is served from the bucket, not from here")
    ext = key.rsplit(".", 1)[-1]
    if ext not in CONTENT_TYPES:
        raise NotFound(f"no media called {key!r}")
    path = store.path(key)  # NotFound for a key this store never makes (.., uppercase, a leading slash)
    if not path.is_file():
        raise NotFound(f"no media called {key!r}")
    headers = {"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"}
    return FileResponse(path, media_type=CONTENT_TYPES[ext], headers=headers)
