"""Editor pages for articles: list, import (upload or paste), edit, publish, preview, and the Send and Share
actions with their confirmation step."""

from __future__ import annotations

import secrets
from typing import cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from publisher import editing, library, publication, writing
from publisher.campaigns import queue, service
from publisher.campaigns.duplicates import earlier_send
from publisher.channels import share_channels
from publisher.errors import DuplicateSend, NotFound, PublisherError
from publisher.render.blocks_html import render_html
from publisher.render.email import article_url
from publisher.render.images import article_images
from publisher.render.share import PostShape, cover_of
from publisher.tracking import Mode, mode_of
from publisher.web import limits
from publisher.web.deps import DbId, get_services, get_settings, get_store, page
from publisher.web.errors import word
from publisher.web.routes.editor_publish import publish_form
from publisher.web.routes.editor_writing import writer_context
from publisher.web.security import ArticleForm, CheckedForm, Editor, EditorContext, require_editor
from publisher.web.send_time import OFFSETS, SendTime, read_send_time
from publisher.web.share_images import Picks, read_picks
from publisher.web.share_text import FIELD, Edits, read_edits
from publisher.web.share_time import ShareWhen, queue_problem, read_share_when, slot_infos

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)])

# The paste box's format choice -> the file name the pasted text is imported under (its suffix picks the importer).
PASTE_FORMATS = {"text": "pasted.txt", "markdown": "pasted.md", "html": "pasted.html"}


@router.get("/articles", response_class=HTMLResponse)
def articles(request: Request, ctx: Editor) -> Response:
    infos = editing.list_article_infos(get_store(request))
    return page(request, "editor/articles.html.j2", {"ctx": ctx, "infos": infos, "error": ""})


@router.post("/articles/import", max_body_size=limits.ARTICLE)
async def import_article(request: Request, form: ArticleForm, ctx: Editor) -> Response:
    upload = form.get("file")
    pasted = str(form.get("text") or "")
    store = get_store(request)
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read()
            # Parsing a large Markdown or HTML file takes seconds: not on the event loop.
            article_id, created = await run_in_threadpool(
                editing.import_bytes, store, upload.filename, data, get_settings(request).language
            )
        elif pasted.strip():
            paste_format = str(form.get("format") or "text")
            if paste_format not in PASTE_FORMATS:
                raise PublisherError(f"unknown format {paste_format[:40]!r}; choose text, markdown or html")
            data = pasted.encode("utf-8")
            if len(data) > limits.PASTE:  # an upload's limit, said for the paste box
                raise PublisherError(
                    f"the pasted text is larger than {limits.size(limits.PASTE)}, the most an article may be; "
                    "shorten it or split it into several articles"
                )
            article_id, created = await run_in_threadpool(
                editing.import_bytes,
                store,
                PASTE_FORMATS[paste_format],
                data,
                get_settings(request).language,
            )
        else:
            raise PublisherError("choose a file to upload or paste the article's text")
    except PublisherError as exc:
        infos = editing.list_article_infos(store)
        return page(
            request, "editor/articles.html.j2", {"ctx": ctx, "infos": infos, "error": str(exc)}, status_code=422
        )
    flash = "imported" if created else "already-imported"
    return RedirectResponse(f"/editor/articles/{article_id}?done={flash}", status_code=303)


def _edit_page(
    request: Request,
    ctx: EditorContext,
    article_id: DbId,
    error: str = "",
    status_code: int = 200,
    posted: tuple[str, str] | None = None,
) -> Response:
    info = editing.article_info(get_store(request), article_id)
    title, text = posted or (info.article.title, writing.markdown_of(info.article))
    return page(
        request,
        "editor/article_edit.html.j2",
        {
            **writer_context(ctx, title, text, error),
            "info": info,
            "article": info.article,
            "url": article_url(get_settings(request), info.article),
            "done": request.query_params.get("done", ""),
            "publish": publish_form(get_services(request)),  # the one Publish, defaults ticked (issue 16)
        },
        status_code=status_code,
    )


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def edit_article(article_id: DbId, request: Request, ctx: Editor) -> Response:
    return _edit_page(request, ctx, article_id)


@router.post("/articles/{article_id}", max_body_size=limits.ARTICLE)
def save_article(article_id: DbId, request: Request, form: ArticleForm, ctx: Editor) -> Response:
    """Save the writer's title and Markdown: the Markdown importer reads the document from it."""
    store = get_store(request)
    title, text = str(form.get("title") or ""), str(form.get("markdown") or "")
    try:
        lang = library.get_article(store, article_id).lang
        blocks = writing.from_markdown(title, text, lang).blocks
        writing.update(store, article_id, title, blocks, request.app.state.services.media)
    except NotFound:
        raise
    except PublisherError as exc:
        return _edit_page(request, ctx, article_id, str(exc), status_code=422, posted=(title, text))
    return RedirectResponse(f"/editor/articles/{article_id}?done=saved", status_code=303)


@router.post("/articles/{article_id}/publish")
def publish_article(article_id: DbId, request: Request, form: CheckedForm) -> Response:
    published = form.get("action") != "unpublish"
    services = get_services(request)
    editing.set_published(services.store, article_id, published)
    if published:  # as `publisher import` does: PUBLISHER_SHARE_ON_IMPORT shares it, skipping earlier shares
        service.auto_share_article(services, article_id)
    done = "published" if published else "unpublished"
    return RedirectResponse(f"/editor/articles/{article_id}?done={done}", status_code=303)


@router.get("/articles/{article_id}/preview", response_class=HTMLResponse)
def preview(article_id: DbId, request: Request, ctx: Editor) -> Response:
    settings, store = get_settings(request), get_store(request)
    article = library.get_article(store, article_id)
    digest = writing.as_sent(store, settings, article)
    return page(
        request,
        "editor/preview.html.j2",
        {
            "ctx": ctx,
            "article": article,
            "digest": digest,
            "body": render_html(article.blocks, web=True),
            "shares": editing.share_previews(store, settings, article_id),
        },
    )


# --- Send: choose a list, confirm, go -------------------------------------------------------------------------
# The confirmation form carries a random submission token: the campaign it makes keeps it, so the same form
# posted twice (a double click, a reload) makes one campaign and the second post lands on it. The same
# digest to the same list again within the duplicate-send window needs the "send again" box.


def _submission(form: FormData) -> str:
    """The confirmation form's token: the one it came with while it made nothing, else a new one."""
    given = form.get("submission")
    return given if isinstance(given, str) and given else secrets.token_urlsafe(24)


@router.get("/articles/{article_id}/send", response_class=HTMLResponse)
def send_form(article_id: DbId, request: Request, ctx: Editor) -> Response:
    store = get_store(request)
    article = library.get_article(store, article_id)
    return page(
        request,
        "editor/send.html.j2",
        {
            "ctx": ctx,
            "article": article,
            "lists": editing.lists_with_sizes(store),
            "error": "",
            "confirm": None,
            "subject": None,
            "send_time": SendTime(),
            "offsets": OFFSETS,
            "duplicate": None,
            "content": "full",
        },
    )


CONTENT = {"full": True, "summary": False}  # the send form's "content" choice: render_digest's full=


@router.post("/articles/{article_id}/send")
def send(article_id: DbId, request: Request, form: CheckedForm, ctx: Editor) -> Response:
    store = get_store(request)
    article = library.get_article(store, article_id)
    lists = editing.lists_with_sizes(store)
    list_name = str(form.get("list") or "")
    subject = str(form.get("subject") or "").strip() or None
    chosen = next((item for item in lists if item.name == list_name), None)
    force = form.get("force") == "yes"
    context = {"ctx": ctx, "article": article, "lists": lists, "error": "", "confirm": None, "subject": subject}
    content = str(form.get("content") or "")
    context.update(force=force, duplicate=None, submission=_submission(form), content=content)
    # Now or at a time (issue 7): a scheduled send is started by the workers' sweep when the time comes.
    send_time, problem = read_send_time(form)
    context.update(send_time=send_time, offsets=OFFSETS)
    if chosen is None:
        context["error"] = "Choose the list to send to."
        return page(request, "editor/send.html.j2", context, status_code=422)
    if problem:
        context["error"] = problem
        return page(request, "editor/send.html.j2", context, status_code=422)
    if form.get("confirm") != "yes":
        context["confirm"] = chosen
        context["duplicate"] = earlier_send(store, get_settings(request), [article_id], list_name, send_time.at)
        context["findings"] = service.preview_findings(get_services(request), [article_id], full=CONTENT.get(content))
        return page(request, "editor/send.html.j2", context)
    try:
        editing.check_send_input(list_name, subject)
        campaign_id = service.send_digest(
            get_services(request),
            [article_id],
            list_name,
            subject=subject,
            send_at=send_time.at,
            force=force,
            submission=str(context["submission"]),
            full=CONTENT.get(content),
        )
    except DuplicateSend as exc:  # it went there since the confirmation page was shown: confirm again
        context.update(error=word(exc, api=False), confirm=chosen, duplicate=exc)
        return page(request, "editor/send.html.j2", context, status_code=409)
    except PublisherError as exc:
        context["error"] = word(exc, api=False)
        return page(request, "editor/send.html.j2", context, status_code=422)
    return RedirectResponse(f"/editor/campaigns/{campaign_id}", status_code=303)


# --- Share: choose channels, confirm, go ----------------------------------------------------------------------


def _share_context(
    request: Request, ctx: EditorContext, article_id: DbId, form: FormData | None = None
) -> dict[str, object]:
    settings, store = get_settings(request), get_store(request)
    article = library.get_article(store, article_id)
    shares = editing.share_previews(store, settings, article_id)
    edits = read_edits(form, shares, settings)  # each post as the editor edited it (issue 14), counted
    return {
        "ctx": ctx,
        "article": article,
        "shares": edits.shown(shares),
        "edits": edits,
        "text_field": FIELD,
        "cover": cover_of(article),  # {"url", "alt"} or None: the checkbox to attach it shows only with one
        "picks": read_picks(form, article_images(article)),  # the Images fieldset: the article's own, picked
        "attach_image": False,
        # "Count clicks on the posts" (issue 15): offered only when the publication's tracking is not off.
        "can_track": mode_of(publication.load(store, settings).tracking) != Mode.OFF,
        "track_clicks": False,
        "error": "",
        "confirm": None,
        "force": False,
        # When (issue 14): now, at a time, or each account's next free posting slot; and what is scheduled.
        "share_when": ShareWhen(),
        "offsets": OFFSETS,
        "slots": slot_infos(store, [s.channel for s in shares]),
        "scheduled": queue.scheduled_shares(store, article_id),
        "queued": request.query_params.get("queued", ""),
    }


@router.get("/articles/{article_id}/share", response_class=HTMLResponse)
def share_form(article_id: DbId, request: Request, ctx: Editor) -> Response:
    return page(request, "editor/share.html.j2", _share_context(request, ctx, article_id))


@router.post("/articles/{article_id}/share")
def share(article_id: DbId, request: Request, form: CheckedForm, ctx: Editor) -> Response:
    context = _share_context(request, ctx, article_id, form)
    edits = cast(Edits, context["edits"])
    known = share_channels(get_settings(request))
    chosen = [c for c in form.getlist("channel") if isinstance(c, str) and c in known]
    force = form.get("force") == "yes"
    attach_image = form.get("attach_image") == "yes" and context["cover"] is not None
    share_when, problem = read_share_when(form)
    if share_when.when == "queue":
        share_when.slots = [i for i in context["slots"] if i.account in chosen]  # type: ignore[attr-defined]
        problem = queue_problem(share_when.slots)
    track_clicks = form.get("track_clicks") == "yes" and bool(context["can_track"])
    context.update(force=force, attach_image=attach_image, share_when=share_when, track_clicks=track_clicks)
    # An edited post over its network's limit is refused here, before the confirmation (issue 14).
    picks = cast(Picks, context["picks"])
    problem = problem or edits.problem_for(chosen) or picks.problem(get_settings(request), chosen) or ""
    if not chosen or problem:
        context["error"] = problem or "Choose at least one channel."
        return page(request, "editor/share.html.j2", context, status_code=422)
    texts = {c: t for c, t in edits.texts.items() if c in chosen}
    if form.get("confirm") != "yes":
        context["confirm"] = [s for s in context["shares"] if s.channel in chosen]  # type: ignore[attr-defined]
        return page(request, "editor/share.html.j2", context)
    services = get_services(request)
    shape = PostShape(images=picks.picked)
    try:
        if share_when.when == "queue":
            queued = service.add_to_queue(
                services,
                article_id,
                chosen,
                force=force,
                attach_image=attach_image,
                texts=texts,
                shape=shape,
                track_clicks=track_clicks,
            )
            return RedirectResponse(f"/editor/articles/{article_id}/share?queued={len(queued)}", status_code=303)
        campaign_id = service.share(
            services,
            article_id,
            chosen,
            force=force,
            attach_image=attach_image,
            send_at=share_when.time.at,
            texts=texts,
            shape=shape,
            track_clicks=track_clicks,
        )
    except PublisherError as exc:
        context["error"] = word(exc, api=False)
        context["confirm"] = [s for s in context["shares"] if s.channel in chosen]  # type: ignore[attr-defined]
        return page(request, "editor/share.html.j2", context, status_code=422)
    return RedirectResponse(f"/editor/campaigns/{campaign_id}", status_code=303)
