"""GET and PATCH /api/publication: the publication's settings (publisher.publication), for scripts.

GET needs the `read` scope. PATCH needs `write` and a token of an administrator (the editor's Settings page
is theirs too): it changes the fields the body names (null puts one back to its environment value) and
answers the publication; a bad value is a 422 naming the field, and then nothing is stored. The logo is a
URL here: upload the image with POST /api/media and set logo_url to its URL.
"""

from __future__ import annotations

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from publisher import editors, publication
from publisher.errors import Forbidden, NotFound
from publisher.publication import InvalidPublication
from publisher.web.deps import get_services
from publisher.web.routes.api import api_router
from publisher.web.security import READ, WRITE, require_grant

router = api_router()


class PublicationOut(BaseModel):
    name: str
    sender_name: str
    sender_address: str
    description: str
    logo_url: str | None
    accent_colour: str = Field(description="#rrggbb")
    language: str
    reply_to: str | None
    postal_address: str
    public_list: str | None
    social_links: dict[str, str] = Field(description="network (website, mastodon, bluesky, x, ...) -> URL")
    tracking: str = Field(description="off | aggregate | individual: what new campaigns record of opens and clicks")
    utm: bool = Field(description="UTM parameters on article links")
    publish_lists: list[str] = Field(description="The lists an article's Publish mails by default (issue 16)")
    publish_accounts: list[str] = Field(description="The accounts an article's Publish shares to by default")
    publish_full: bool = Field(description="Publish mails the full article (true) or its summary (false)")


class PublicationPatch(BaseModel):
    """The fields to change; a field left out stays, null puts it back to the environment's value."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=1000)
    sender_name: str | None = Field(None, max_length=1000)
    sender_address: str | None = Field(None, max_length=1000)
    description: str | None = Field(None, max_length=5000)
    logo_url: str | None = Field(None, max_length=5000)
    accent_colour: str | None = Field(None, max_length=100)
    language: str | None = Field(None, max_length=100)
    reply_to: str | None = Field(None, max_length=1000)
    postal_address: str | None = Field(None, max_length=5000)
    public_list: str | None = Field(None, max_length=1000)
    social_links: dict[str, str | None] | None = Field(None, max_length=20)
    tracking: str | None = Field(None, max_length=20)
    utm: bool | None = None
    publish_lists: list[str] | None = Field(None, max_length=50)
    publish_accounts: list[str] | None = Field(None, max_length=50)
    publish_full: bool | None = None


def _out(found: publication.Publication) -> PublicationOut:
    return PublicationOut(**found.as_json())


@router.get("/publication", openapi_extra=READ, summary="The publication's settings")
def api_publication(request: Request) -> PublicationOut:
    services = get_services(request)
    return _out(publication.load(services.store, services.settings))


@router.patch(
    "/publication",
    openapi_extra=WRITE,
    summary="Change the publication's settings (an administrator's token); 422 names a bad field",
)
def api_update_publication(
    request: Request, body: PublicationPatch, grant: editors.TokenGrant = Depends(require_grant)
) -> PublicationOut:
    if not grant.editor.is_admin:
        raise Forbidden("changing the publication's settings needs an administrator's API token")
    services = get_services(request)
    changes = body.model_dump(include=body.model_fields_set)
    try:
        return _out(publication.update(services.store, services.settings, changes))
    except NotFound as exc:  # the public list named does not exist: bad input here, not a missing resource
        key = "publish_lists" if "on Publish" in str(exc) else "public_list"
        raise InvalidPublication(f"{key}: {exc}") from None
