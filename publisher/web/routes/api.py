"""The REST API under /api: everything the editor's pages do, for scripts and other systems.

Every endpoint needs `Authorization: Bearer <token>` (create one with `publisher users token NAME` or on the
API tokens page) holding the scope the operation declares (`x-required-scope` in the schema): `read` for
reading, `write` for changing articles, lists and subscribers, `send` for sending digests, sharing and
controlling campaigns. Errors come back as {"detail": "..."} naming the problem: 401 without a valid token,
403 naming the scope the token lacks, 404 for an unknown id, 409 for a conflict that `"force": true`
overrides (sharing an article again), 422 for bad input.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from publisher import campaigns, editing, editors, library, subscribers, writing
from publisher.articles import language_tag, to_json
from publisher.campaigns import service
from publisher.channels import share_channels
from publisher.errors import PublisherError
from publisher.render.email import article_url
from publisher.render.share import PostShape
from publisher.web import limits
from publisher.web.deps import get_services, get_settings, get_store
from publisher.web.routes.api_models import (
    AddResult,
    ArticleImport,
    ArticleOut,
    ArticleUpdate,
    CampaignOut,
    CampaignSummary,
    ChannelOut,
    ImportResult,
    ListOut,
    MeOut,
    PreviewOut,
    RescheduleIn,
    SectionOut,
    SendIn,
    ShareIn,
    SharePreviewOut,
    SubscriberOut,
    SubscribersAdd,
)
from publisher.web.security import READ, SEND, WRITE, missing_scope, require_grant, require_scope

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid API token"},
    403: {"description": "The token lacks the scope this operation needs; `detail` names it"},
    404: {"description": "No such object"},
    409: {"description": "A conflict, e.g. the article was shared to that channel before; `force` overrides it"},
    422: {"description": "Bad input; `detail` names the problem"},
}


def api_router() -> APIRouter:
    """A router of the JSON API: under /api, each route's scope checked, errors documented alike."""
    return APIRouter(
        prefix="/api",
        tags=["api"],
        dependencies=[Depends(require_scope)],  # the scope each route declares: READ, WRITE, SEND
        responses=ERRORS,
        route_class=limits.JsonTextRoute,  # a lone surrogate in a JSON body is a 422 naming the field
    )


router = api_router()

Id = Annotated[int, Path(ge=1, le=2_147_483_647)]


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
        markdown=writing.markdown_of(a),
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
        pause_reason=state.pause_reason,
    )


@router.get("/articles", openapi_extra=READ, summary="List articles, newest first")
def api_articles(request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[ArticleOut]:
    return [_article_out(request, i) for i in editing.list_article_infos(get_store(request), limit)]


@router.post(
    "/articles",
    openapi_extra=WRITE,
    status_code=201,
    summary="Import an article from a file's text, or write one from a title and Markdown or a document",
    max_body_size=limits.ARTICLE,
)
def api_import(request: Request, body: ArticleImport) -> ImportResult:
    if body.lang is not None and language_tag(body.lang) is None:
        raise PublisherError(f"lang must be a language tag such as en or pt-BR: {body.lang[:40]!r}")
    language, store = body.lang or get_settings(request).language, get_store(request)
    given = [name for name in ("text", "markdown", "blocks") if getattr(body, name) is not None]
    if len(given) != 1:
        raise PublisherError("send one of text (with a filename), markdown or blocks (with a title)")
    if body.text is not None:
        article_id, created = editing.import_bytes(store, body.filename, body.text.encode("utf-8"), language)
        return ImportResult(id=article_id, created=created)
    if body.title is None:
        raise PublisherError(f"{given[0]} needs a title")
    if body.markdown is not None:
        article = writing.from_markdown(body.title, body.markdown, language)
    else:
        article = writing.from_document(body.title, body.blocks, language)
    article_id, created = writing.create(store, article, request.app.state.services.media)
    return ImportResult(id=article_id, created=created)


@router.get("/articles/{article_id}", openapi_extra=READ, summary="One article")
def api_article(request: Request, article_id: Id) -> ArticleOut:
    return _article_out(request, editing.article_info(get_store(request), article_id))


@router.patch(
    "/articles/{article_id}",
    openapi_extra=WRITE,
    summary="Change the title and/or the body (Markdown, a document, or plain sections)",
    max_body_size=limits.ARTICLE,
)
def api_update(request: Request, article_id: Id, body: ArticleUpdate) -> ArticleOut:
    store = get_store(request)
    current = editing.article_info(store, article_id).article
    title = body.title if body.title is not None else current.title
    given = [name for name in ("markdown", "blocks", "sections") if getattr(body, name) is not None]
    if len(given) > 1:
        raise PublisherError(f"send at most one of markdown, blocks and sections, not {' and '.join(given)}")
    if body.sections is not None:
        sections = editing.clean_sections([s.model_dump() for s in body.sections])
        editing.update_article(store, article_id, title, sections)
    else:
        blocks = None  # the title alone: the document stays as it is
        if body.markdown is not None:
            blocks = writing.from_markdown(title, body.markdown, current.lang).blocks
        elif body.blocks is not None:
            blocks = writing.from_document(title, body.blocks, current.lang).blocks
        writing.update(store, article_id, title, blocks, request.app.state.services.media)
    return _article_out(request, editing.article_info(store, article_id))


@router.post(
    "/articles/{article_id}/publish",
    openapi_extra=WRITE,
    summary="Publish: the article appears in the public archive (and is shared to PUBLISHER_SHARE_ON_IMPORT)",
    description="Needs `write`, and `send` too while PUBLISHER_SHARE_ON_IMPORT shares what is published.",
)
def api_publish(request: Request, article_id: Id, grant: editors.TokenGrant = Depends(require_grant)) -> ArticleOut:
    services = get_services(request)
    if services.settings.share_on_import_channels:
        missing_scope(grant, "send", "publishing needs while PUBLISHER_SHARE_ON_IMPORT shares on publish")
    editing.set_published(services.store, article_id, True)
    service.auto_share_article(services, article_id)
    return _article_out(request, editing.article_info(services.store, article_id))


@router.post("/articles/{article_id}/unpublish", openapi_extra=WRITE, summary="Back to draft")
def api_unpublish(request: Request, article_id: Id) -> ArticleOut:
    editing.set_published(get_store(request), article_id, False)
    return _article_out(request, editing.article_info(get_store(request), article_id))


@router.get("/articles/{article_id}/preview", openapi_extra=READ, summary="The digest and each channel's share post")
def api_preview(request: Request, article_id: Id) -> PreviewOut:
    settings, store = get_settings(request), get_store(request)
    article = library.get_article(store, article_id)
    digest = writing.as_sent(store, settings, article)
    shares = [SharePreviewOut(**s.to_dict(), over=s.over) for s in editing.share_previews(store, settings, article_id)]
    return PreviewOut(subject=digest.subject, html=digest.html, text=digest.text, shares=shares)


@router.get("/lists", openapi_extra=READ, summary="Lists with their sizes")
def api_lists(request: Request) -> list[ListOut]:
    return [ListOut(**vars(item)) for item in editing.lists_with_sizes(get_store(request))]


@router.get("/subscribers", openapi_extra=READ, summary="Search subscribers by address or name")
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
    openapi_extra=WRITE,
    summary="Add subscribers to a list (created if new); one bad address adds nothing",
    max_body_size=limits.ADDRESSES,
)
def api_add_subscribers(request: Request, body: SubscribersAdd) -> AddResult:
    people = subscribers.parse_addresses(body.emails, name=body.name.strip())  # a line break or NUL: a 422
    list_name = body.list_name.replace("\x00", "")
    report = subscribers.add_to_list(get_store(request), list_name, people, source="api", welcome=True)
    return AddResult(added=report.added, already=report.already)


@router.get("/campaigns", openapi_extra=READ, summary="Recent campaigns")
def api_campaigns(request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[CampaignSummary]:
    return [CampaignSummary(**vars(c)) for c in editing.recent_campaigns(get_store(request), limit=limit)]


@router.post(
    "/campaigns/send",
    openapi_extra=SEND,
    status_code=201,
    summary="Send a digest of these articles to a list, now or at send_at (409 if it went there lately, unless forced)",
)
def api_send(request: Request, body: SendIn) -> CampaignOut:
    services = get_services(request)
    editing.check_send_input(body.list_name, body.subject)
    campaign_id = service.send_digest(
        services,
        body.article_ids,
        body.list_name,
        subject=body.subject,
        send_at=body.send_at,
        force=body.force,
        full=body.full,
    )
    return _campaign_out(campaigns.status(services.store, campaign_id))


@router.post(
    "/campaigns/share",
    openapi_extra=SEND,
    status_code=201,
    summary="Share an article to channels, now or at send_at (409 if shared to one of them before, unless forced)",
)
def api_share(request: Request, body: ShareIn) -> CampaignOut:
    services = get_services(request)
    known = share_channels(services.settings)
    unknown = [c for c in body.channels if c not in known]
    if unknown:
        raise PublisherError(f"unknown channel {unknown[0]!r}; configured: {', '.join(known)}")
    campaign_id = service.share(
        services,
        body.article_id,
        body.channels,
        force=body.force,
        attach_image=body.attach_image,
        send_at=body.send_at,
        shape=PostShape(
            thread=body.thread or body.numbered,
            numbered=body.numbered,
            images=tuple(image.picked() for image in body.images),
        ),
        texts=body.texts,
        track_clicks=body.track_clicks,
    )
    return _campaign_out(campaigns.status(services.store, campaign_id))


@router.get("/campaigns/{campaign_id}", openapi_extra=READ, summary="A campaign's state and progress")
def api_campaign(request: Request, campaign_id: Id) -> CampaignOut:
    return _campaign_out(campaigns.status(get_store(request), campaign_id))


@router.post("/campaigns/{campaign_id}/pause", openapi_extra=SEND, summary="Pause a campaign")
def api_pause(request: Request, campaign_id: Id) -> CampaignOut:
    campaigns.pause(get_store(request), campaign_id)
    return _campaign_out(campaigns.status(get_store(request), campaign_id))


@router.post("/campaigns/{campaign_id}/resume", openapi_extra=SEND, summary="Resume a paused campaign")
def api_resume(request: Request, campaign_id: Id) -> CampaignOut:
    services = get_services(request)
    campaigns.resume(services.store, services.settings, services.dispatcher, campaign_id)
    return _campaign_out(campaigns.status(services.store, campaign_id))


@router.post("/campaigns/{campaign_id}/cancel", openapi_extra=SEND, summary="Cancel what is not yet sent")
def api_cancel(request: Request, campaign_id: Id) -> CampaignOut:
    campaigns.cancel(get_store(request), campaign_id)
    return _campaign_out(campaigns.status(get_store(request), campaign_id))


@router.post("/campaigns/{campaign_id}/reschedule", openapi_extra=SEND, summary="Move a scheduled send to another time")
def api_reschedule(request: Request, campaign_id: Id, body: RescheduleIn) -> CampaignOut:
    campaigns.reschedule(get_store(request), campaign_id, body.send_at)
    return _campaign_out(campaigns.status(get_store(request), campaign_id))


@router.get("/channels", openapi_extra=READ, summary="Configured channels")
def api_channels(request: Request) -> list[ChannelOut]:
    settings = get_settings(request)
    out = [ChannelOut(name=settings.email_channel, use="email")]
    out += [ChannelOut(name=name, use="share") for name in share_channels(settings)]
    return out


@router.get("/me", openapi_extra=READ, summary="The editor this token belongs to, and the token's scopes")
def api_me(grant: editors.TokenGrant = Depends(require_grant)) -> MeOut:
    scopes = [s for s in editors.SCOPES if s in grant.scopes]
    return MeOut(username=grant.editor.username, admin=grant.editor.is_admin, scopes=scopes)
