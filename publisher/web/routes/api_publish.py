"""One Publish in the API (issue 16): POST /api/articles/{id}/publishes, GET /api/publishes/{id}.

Beside api.py, with the same token scopes and error bodies. POST /api/articles/{id}/publish (api.py) stays
what it was, publishing only; this one publishes, mails and shares as the editor's Publish button does.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request
from pydantic import BaseModel, Field

from publisher import editors
from publisher.automation.publish import publish
from publisher.automation.timeline import timeline
from publisher.web.deps import get_services, get_store
from publisher.web.routes.api import api_router
from publisher.web.security import READ, SEND, require_grant

router = api_router()

Id = Annotated[int, Path(ge=1, le=2_147_483_647)]


class PublishIn(BaseModel):
    lists: list[Annotated[str, Field(max_length=200)]] | None = Field(
        default=None, max_length=50, description="Lists to mail; null: the publication's publish_lists, []: none"
    )
    accounts: list[Annotated[str, Field(max_length=100)]] | None = Field(
        default=None, max_length=50, description="Accounts to share to; null: publish_accounts, []: none"
    )
    full: bool | None = Field(default=None, description="The full article, or its summary; null: publish_full")
    submission: str | None = Field(
        default=None,
        max_length=64,
        description="A token of yours (letters, digits, - and _): the same token again returns the same publish",
    )


class PublishOut(BaseModel):
    publish_id: int
    timeline_url: str = Field(description="The editor's timeline page of this publish")
    api_url: str = Field(description="This publish's timeline as JSON (GET, scope read)")
    timeline: dict[str, Any]


@router.post(
    "/articles/{article_id}/publishes",
    openapi_extra=SEND,
    status_code=201,
    summary="Publish: publish the article, mail it to the lists and share it to the accounts, in one action",
    description="Each part that fails (a duplicate send, a network's refusal) is in the timeline's `errors`; "
    "the others still happen. An unknown list or account is a 404 or 422 and nothing happens.",
)
def api_publish(
    request: Request, article_id: Id, body: PublishIn, grant: editors.TokenGrant = Depends(require_grant)
) -> PublishOut:
    services = get_services(request)
    publish_id = publish(
        services,
        article_id,
        lists=body.lists,
        accounts=body.accounts,
        full=body.full,
        by=grant.editor.username,
        submission=body.submission,
    )
    base = services.settings.base_url.rstrip("/")
    return PublishOut(
        publish_id=publish_id,
        timeline_url=f"{base}/editor/publishes/{publish_id}",
        api_url=f"{base}/api/publishes/{publish_id}",
        timeline=timeline(services.store, publish_id).to_dict(),
    )


@router.get("/publishes/{publish_id}", openapi_extra=READ, summary="A publish's timeline")
def api_publish_timeline(request: Request, publish_id: Id) -> dict[str, Any]:
    return timeline(get_store(request), publish_id).to_dict()
