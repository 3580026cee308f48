"""The REST API under /api: everything the editor's pages do, for scripts and other systems.

Every endpoint needs `Authorization: Bearer <token>` (create one with `publisher users token NAME` or on the
API tokens page). Errors come back as {"detail": "..."} naming the problem: 401 without a valid token,
404 for an unknown id, 409 for a conflict that `"force": true` overrides (sharing an article again), 422 for
bad input.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from publisher import campaigns, editing, editors, library, subscribers
from publisher.articles import language_tag, to_json
from publisher.campaigns import service
from publisher.channels import share_channels
from publisher.errors import PublisherError
from publisher.render.email import article_url
from publisher.web import limits
from publisher.web.deps import get_services, get_settings, get_store
from publisher.web.security import require_token

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid API token"},
    404: {"description": "No such object"},
    409: {"description": "A conflict, e.g. the article was shared to that channel before; `force` overrides it"},
    422: {"description": "Bad input; `detail` names the problem"},
}
router = APIRouter(
    prefix="/api",
    tags=["api"],
    dependencies=[Depends(require_token)],
    responses=ERRORS,
    route_class=limits.JsonTextRoute,  # a lone surrogate in a JSON body is a 422 naming the field
)

Id = Annotated[int, Path(ge=1, le=2_147_483_647)]


class SectionIn(BaseModel):
    heading: str | None = Field(default=None, max_length=200)
    paragraphs: list[str] = Field(max_length=1000)


class SectionOut(BaseModel):
    heading: str | None
    paragraphs: list[str]


class ArticleOut(BaseModel):
    id: int
    title: str
    slug: str
    summary: str
    url: str
    lang: str = Field(description="The article's language (a BCP 47 tag)")
    sections: list[SectionOut]
    blocks: dict[str, Any] = Field(description='The document: {"version": 1, "blocks": [...]} (see the README)')
    published_at: datetime | None
    created_at: datetime


class ArticleImport(BaseModel):
    text: str = Field(
        description="The article: plain text (title on line 1), Markdown or HTML, as the filename's suffix says",
        max_length=5_000_000,
    )
    filename: str = Field(
        default="pasted.txt",
        max_length=200,
        description="Its name; the suffix picks the importer: .txt/.text, .md/.markdown or .html/.htm",
    )
    lang: str | None = Field(
        default=None, max_length=35, description="Its language when the file declares none; default PUBLISHER_LANGUAGE"
    )


class ImportResult(BaseModel):
    id: int
    created: bool = Field(description="False when these exact bytes were imported before")


class ArticleUpdate(BaseModel):
    title: str | None = Field(default=None, max_length=300)
    sections: list[SectionIn] | None = Field(default=None, max_length=200)


class SharePreviewOut(BaseModel):
    channel: str
    network: str
    text: str
    length: int = Field(description="The post's length as the network counts it (X weights, URLs, graphemes)")
    limit: int | None = Field(description="The network's limit; null when it has none")
    shortened: bool = Field(description="The summary was cut to fit the limit")
    over: bool = Field(description="The post cannot go out as shown")
    url: str
    error: str | None
    already_shared: str | None = Field(description="Where the article was shared to this account before")


class PreviewOut(BaseModel):
    subject: str
    html: str
    text: str
    shares: list[SharePreviewOut]


class ListOut(BaseModel):
    id: int
    name: str
    active: int
    total: int


class SubscriberOut(BaseModel):
    id: int
    email: str
    name: str
    lists: dict[str, str]


class SubscribersAdd(BaseModel):
    emails: list[str] = Field(min_length=1, max_length=10_000)
    list_name: str = Field(min_length=1, max_length=200, description="The list (created if new)")
    name: str = Field(default="", max_length=200)


class AddResult(BaseModel):
    added: int
    already: int


class SendIn(BaseModel):
    article_ids: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(min_length=1, max_length=50)
    list_name: str = Field(min_length=1, max_length=200)
    subject: str | None = Field(default=None, max_length=300)
    send_at: datetime | None = Field(
        default=None,
        description="Send later, at this ISO 8601 time with its UTC offset (within a year); omit to send now",
    )


class ShareIn(BaseModel):
    article_id: int = Field(ge=1, le=2_147_483_647)
    channels: list[str] = Field(min_length=1, max_length=20)
    force: bool = False


class CampaignOut(BaseModel):
    id: int
    kind: str
    state: str
    subject: str
    counts: dict[str, int]
    total: int
    percent: int
    created_at: datetime
    finished_at: datetime | None
    scheduled_at: datetime | None = Field(default=None, description="When a scheduled send starts (UTC)")


class RescheduleIn(BaseModel):
    send_at: datetime = Field(description="The new time, ISO 8601 with its UTC offset (within a year)")


class CampaignSummary(BaseModel):
    id: int
    kind: str
    state: str
    subject: str
    created_at: datetime


class ChannelOut(BaseModel):
    name: str
    use: str


def _article_out(request: Request, info: editing.ArticleInfo) -> ArticleOut:
    a = info.article
    return ArticleOut(
        id=a.id or 0,
        title=a.title,
        slug=a.slug,
        summary=a.summary,
        url=article_url(get_settings(request), a),
        lang=a.lang,
        sections=[SectionOut(heading=s.heading, paragraphs=list(s.paragraphs)) for s in a.sections],
        blocks=to_json(a.blocks),
        published_at=info.published_at,
        created_at=info.created_at,
    )


def _campaign_out(state: campaigns.CampaignStatus) -> CampaignOut:
    finished = state.total - state.pending
    return CampaignOut(
        id=state.id,
        kind=state.kind,
        state=state.state,
        subject=state.subject,
        counts=state.counts,
        total=state.total,
        percent=100 if state.total == 0 else finished * 100 // state.total,
        created_at=state.created_at,
        finished_at=state.finished_at,
        scheduled_at=state.scheduled_at,
    )


@router.get("/articles", summary="List articles, newest first")
def api_articles(request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[ArticleOut]:
    return [_article_out(request, i) for i in editing.list_article_infos(get_store(request), limit)]


@router.post("/articles", status_code=201, summary="Import an article from its text", max_body_size=limits.ARTICLE)
def api_import(request: Request, body: ArticleImport) -> ImportResult:
    if body.lang is not None and language_tag(body.lang) is None:
        raise PublisherError(f"lang must be a language tag such as en or pt-BR: {body.lang[:40]!r}")
    text, language = body.text.encode("utf-8"), body.lang or get_settings(request).language
    article_id, created = editing.import_bytes(get_store(request), body.filename, text, language)
    return ImportResult(id=article_id, created=created)


@router.get("/articles/{article_id}", summary="One article")
def api_article(request: Request, article_id: Id) -> ArticleOut:
    return _article_out(request, editing.article_info(get_store(request), article_id))


@router.patch("/articles/{article_id}", summary="Change the title and/or sections", max_body_size=limits.ARTICLE)
def api_update(request: Request, article_id: Id, body: ArticleUpdate) -> ArticleOut:
    store = get_store(request)
    current = editing.article_info(store, article_id).article
    title = body.title if body.title is not None else current.title
    if body.sections is not None:
        sections = editing.clean_sections([s.model_dump() for s in body.sections])
    else:
        sections = list(current.sections)
    editing.update_article(store, article_id, title, sections)
    return _article_out(request, editing.article_info(store, article_id))


@router.post(
    "/articles/{article_id}/publish",
    summary="Publish: the article appears in the public archive (and is shared to PUBLISHER_SHARE_ON_IMPORT)",
)
def api_publish(request: Request, article_id: Id) -> ArticleOut:
    services = get_services(request)
    editing.set_published(services.store, article_id, True)
    service.auto_share_article(services, article_id)
    return _article_out(request, editing.article_info(services.store, article_id))


@router.post("/articles/{article_id}/unpublish", summary="Back to draft")
def api_unpublish(request: Request, article_id: Id) -> ArticleOut:
    editing.set_published(get_store(request), article_id, False)
    return _article_out(request, editing.article_info(get_store(request), article_id))


@router.get("/articles/{article_id}/preview", summary="The digest and each channel's share post")
def api_preview(request: Request, article_id: Id) -> PreviewOut:
    settings, store = get_settings(request), get_store(request)
    article = library.get_article(store, article_id)
    digest = editing.preview_digest(article, settings)
    shares = [SharePreviewOut(**s.to_dict(), over=s.over) for s in editing.share_previews(store, settings, article_id)]
    return PreviewOut(subject=digest.subject, html=digest.html, text=digest.text, shares=shares)


@router.get("/lists", summary="Lists with their sizes")
def api_lists(request: Request) -> list[ListOut]:
    return [ListOut(**vars(item)) for item in editing.lists_with_sizes(get_store(request))]


@router.get("/subscribers", summary="Search subscribers by address or name")
def api_subscribers(
    request: Request,
    q: Annotated[str, Query(max_length=200)] = "",
    list: Annotated[str, Query(max_length=200)] = "",  # noqa: A002 - the query parameter's name
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[SubscriberOut]:
    people = editing.search_subscribers(get_store(request), q, list, limit)
    return [SubscriberOut(id=p.id, email=p.email, name=p.name, lists=p.lists) for p in people]


@router.post(
    "/subscribers",
    summary="Add subscribers to a list (created if new); one bad address adds nothing",
    max_body_size=limits.ADDRESSES,
)
def api_add_subscribers(request: Request, body: SubscribersAdd) -> AddResult:
    people = subscribers.parse_addresses(body.emails, name=body.name.strip())  # a line break or NUL: a 422
    list_name = body.list_name.replace("\x00", "")
    report = subscribers.add_to_list(get_store(request), list_name, people, source="api")
    return AddResult(added=report.added, already=report.already)


@router.get("/campaigns", summary="Recent campaigns")
def api_campaigns(request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[CampaignSummary]:
    return [CampaignSummary(**vars(c)) for c in editing.recent_campaigns(get_store(request), limit=limit)]


@router.post("/campaigns/send", status_code=201, summary="Send a digest of these articles to a list, now or at send_at")
def api_send(request: Request, body: SendIn) -> CampaignOut:
    services = get_services(request)
    editing.check_send_input(body.list_name, body.subject)
    campaign_id = service.send_digest(
        services, body.article_ids, body.list_name, subject=body.subject, send_at=body.send_at
    )
    return _campaign_out(campaigns.status(services.store, campaign_id))


@router.post(
    "/campaigns/share",
    status_code=201,
    summary="Share an article to channels, now (409 if shared to one of them before, unless forced)",
)
def api_share(request: Request, body: ShareIn) -> CampaignOut:
    services = get_services(request)
    known = share_channels(services.settings)
    unknown = [c for c in body.channels if c not in known]
    if unknown:
        raise PublisherError(f"unknown channel {unknown[0]!r}; configured: {', '.join(known)}")
    campaign_id = service.share(services, body.article_id, body.channels, force=body.force)
    return _campaign_out(campaigns.status(services.store, campaign_id))


@router.get("/campaigns/{campaign_id}", summary="A campaign's state and progress")
def api_campaign(request: Request, campaign_id: Id) -> CampaignOut:
    return _campaign_out(campaigns.status(get_store(request), campaign_id))


@router.post("/campaigns/{campaign_id}/pause", summary="Pause a campaign")
def api_pause(request: Request, campaign_id: Id) -> CampaignOut:
    campaigns.pause(get_store(request), campaign_id)
    return _campaign_out(campaigns.status(get_store(request), campaign_id))


@router.post("/campaigns/{campaign_id}/resume", summary="Resume a paused campaign")
def api_resume(request: Request, campaign_id: Id) -> CampaignOut:
    services = get_services(request)
    campaigns.resume(services.store, services.settings, services.dispatcher, campaign_id)
    return _campaign_out(campaigns.status(services.store, campaign_id))


@router.post("/campaigns/{campaign_id}/cancel", summary="Cancel what is not yet sent")
def api_cancel(request: Request, campaign_id: Id) -> CampaignOut:
    campaigns.cancel(get_store(request), campaign_id)
    return _campaign_out(campaigns.status(get_store(request), campaign_id))


@router.post("/campaigns/{campaign_id}/reschedule", summary="Move a scheduled send to another time")
def api_reschedule(request: Request, campaign_id: Id, body: RescheduleIn) -> CampaignOut:
    campaigns.reschedule(get_store(request), campaign_id, body.send_at)
    return _campaign_out(campaigns.status(get_store(request), campaign_id))


@router.get("/channels", summary="Configured channels")
def api_channels(request: Request) -> list[ChannelOut]:
    settings = get_settings(request)
    out = [ChannelOut(name=settings.email_channel, use="email")]
    out += [ChannelOut(name=name, use="share") for name in share_channels(settings)]
    return out


@router.get("/me", summary="The editor this token belongs to")
def api_me(editor: editors.Editor = Depends(require_token)) -> dict[str, str]:
    return {"username": editor.username}
