"""POST /api/media: an image uploaded into the media store, for a document to point to (issue 11).

Its own module beside api.py, with the same token scopes and error bodies. The multipart body is read in
the handler, after the token's scope and the declared size were checked, so neither a token without
`write` nor an oversized upload costs the server the body.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response

from publisher.web import limits
from publisher.web.routes.api import api_router
from publisher.web.routes.api_models import MediaOut
from publisher.web.routes.editor_writing import media_size_check, store_upload
from publisher.web.security import WRITE

router = api_router()  # (uploads are multipart: JsonTextRoute reads only JSON bodies)

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary", "description": "The image"}},
                }
            }
        },
    }
}


@router.post(
    "/media",
    openapi_extra={**WRITE, **UPLOAD_BODY},
    status_code=201,
    response_model=MediaOut,
    summary="Upload an image (JPEG, PNG, GIF or WebP; field `file`) into the media store",
    description="Re-encoded without metadata at the widths an email needs. 422 names the limit an image breaks "
    "(PUBLISHER_MEDIA_MAX_BYTES, PUBLISHER_MEDIA_MAX_PIXELS) or says it is no image; 413 for a larger body.",
    responses={413: {"description": "The body is larger than an image may be"}},
    max_body_size=limits.MEDIA,
    dependencies=[Depends(media_size_check)],
)
async def api_media(request: Request) -> Response:
    return await store_upload(request, await request.form(max_part_size=limits.FIELD))
