"""Writing in the editor: the New article page, the live preview and image uploads (issue 11).

The article edit page (editor_articles) shows the same writer. The page works without JavaScript (a title,
a Markdown box, Save); publisher/web/static/writer.js adds the toolbar, the live preview and images by
button, drag-and-drop or paste. The preview and the upload are CSRF-checked POSTs answering JSON.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from publisher import writing
from publisher.errors import MediaRefused, PublisherError
from publisher.web import limits
from publisher.web.deps import get_services, get_settings, get_store, page
from publisher.web.security import ArticleForm, CheckedForm, Editor, EditorContext, require_editor

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)])


def writer_context(ctx: EditorContext, title: str, text: str, error: str = "") -> dict[str, object]:
    """What the writer partial (editor/_writer.html.j2) needs."""
    return {"ctx": ctx, "title": title, "markdown": text, "error": error}


@router.get("/articles/new", response_class=HTMLResponse)
def new_article(request: Request, ctx: Editor) -> Response:
    return page(request, "editor/article_new.html.j2", writer_context(ctx, "", ""))


@router.post("/articles/new", max_body_size=limits.ARTICLE)
async def create_article(request: Request, form: ArticleForm, ctx: Editor) -> Response:
    title, text = str(form.get("title") or ""), str(form.get("markdown") or "")
    try:  # reading a long article takes a moment: not on the event loop
        article = await run_in_threadpool(writing.from_markdown, title, text, get_settings(request).language)
        media = request.app.state.services.media
        article_id, created = await run_in_threadpool(writing.create, get_store(request), article, media)
    except PublisherError as exc:
        context = writer_context(ctx, title, text, str(exc))
        return page(request, "editor/article_new.html.j2", context, status_code=422)
    done = "created" if created else "already-written"
    return RedirectResponse(f"/editor/articles/{article_id}?done={done}", status_code=303)


@router.post("/preview", max_body_size=limits.ARTICLE)
async def preview(request: Request, form: ArticleForm) -> Response:
    """The digest as a sample reader would get it, for the writer's preview frame: {"html", "problem"}."""
    settings = get_settings(request)
    title, text = str(form.get("title") or ""), str(form.get("markdown") or "")
    lang = str(form.get("lang") or "") or settings.language
    html, problem = await run_in_threadpool(writing.preview_html, get_store(request), settings, title, text, lang)
    return JSONResponse({"html": html, "problem": problem})


def media_size_check(request: Request) -> None:
    """413 for an upload that says it is larger than PUBLISHER_MEDIA_MAX_BYTES allows, before it is read."""
    most = get_settings(request).media_max_bytes
    why = f"the upload is larger than an image may be ({most:,} bytes, PUBLISHER_MEDIA_MAX_BYTES)"
    limits.refuse_larger_than(request, limits.media_body(most), why)


async def store_upload(request: Request, form: FormData) -> Response:
    """The form's one `file` saved in the media store: its StoredImage JSON, or 422 naming the problem."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return JSONResponse({"detail": "choose an image file to upload (the form field is `file`)"}, status_code=422)
    data = await upload.read()
    services = get_services(request)
    try:  # decoding and re-encoding an image takes a moment: not on the event loop
        stored = await run_in_threadpool(
            writing.upload_image, services.media, services.settings, data, upload.filename
        )
    except MediaRefused as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)
    return JSONResponse(stored.as_json(), status_code=201)


@router.post("/media", max_body_size=limits.MEDIA, dependencies=[Depends(media_size_check)])
async def upload_media(request: Request, form: CheckedForm) -> Response:
    return await store_upload(request, form)
