"""The digest composer (issue 12): New digest -> pick and order articles, subject, preheader, lists ->
Send a test to me, or Review and send -> one confirmation -> Send and share.

One form, one URL: its `action` button says what to do (preview, test, review, send, edit). Every step
carries the whole draft in the form, so nothing is stored until "Send and share", and the confirmation's
random submission token makes a double click one send (see editor_articles). The logic is in
publisher.web.composer.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from publisher import editing, editors, publication
from publisher.campaigns import service
from publisher.campaigns.duplicates import earlier_send
from publisher.campaigns.proof import send_test
from publisher.errors import DuplicateSend, PublisherError
from publisher.web import composer
from publisher.web.deps import get_services, get_settings, get_store, page
from publisher.web.errors import word
from publisher.web.security import CheckedForm, Editor, EditorContext, require_editor

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)])


def _context(request: Request, ctx: EditorContext, draft: composer.Draft, **more: object) -> dict[str, object]:
    store, settings = get_store(request), get_settings(request)
    infos = editing.list_article_infos(store, limit=100)
    rank = {a: n for n, a in enumerate(draft.article_ids)}
    # The ticked articles first, in the draft's order, then the rest as listed (newest first; sort is stable).
    infos.sort(key=lambda i: rank.get(i.article.id or 0, len(rank)))
    accounts, defaults = composer.share_accounts(settings)
    context: dict[str, object] = {
        "ctx": ctx,
        "draft": draft,
        "infos": infos,
        "lists": editing.lists_with_sizes(store),
        "accounts": accounts,
        "share_defaults": defaults,
        "test_to": draft.test_to or editors.email_of(store, ctx.editor.id) or "",
        "error": "",
        "notice": "",
        "inbox": None,
        "digest": None,
    }
    if draft.article_ids:
        context["inbox"], context["digest"], _ = composer.preview(store, settings, draft)
    context.update(more)
    return context


@router.get("/digests/new", response_class=HTMLResponse)
def new_digest(request: Request, ctx: Editor) -> Response:
    """The composer; ?article=ID (repeatable) ticks articles, as the article page's "New digest" does."""
    store = get_store(request)
    known = _known_articles(request)
    wanted = request.query_params.getlist("article")
    ticked = [a for a in known if str(a) in wanted]
    lists = [item.name for item in editing.lists_with_sizes(store)]
    public = publication.load(store, get_settings(request)).public_list
    default_list = public if public in lists else (lists[0] if lists else None)
    draft = composer.Draft(article_ids=ticked, lists=[default_list] if default_list else [])
    return page(request, "editor/digest_new.html.j2", _context(request, ctx, draft))


def _draft(request: Request, form: FormData) -> composer.Draft:
    lists = [item.name for item in editing.lists_with_sizes(get_store(request))]
    return composer.read_draft(form, _known_articles(request), lists)


def _known_articles(request: Request) -> list[int]:
    """The ids of the articles the composer offers (the newest 100)."""
    infos = editing.list_article_infos(get_store(request), limit=100)
    return [i.article.id for i in infos if i.article.id is not None]


@router.post("/digests/new")
def compose(request: Request, form: CheckedForm, ctx: Editor) -> Response:
    draft = _draft(request, form)
    action = str(form.get("action") or "preview")
    if action == "test":
        return _test(request, ctx, draft)
    if action in ("review", "send"):
        problem = composer.problems(draft)
        if problem:
            context = _context(request, ctx, draft, error=problem)
            return page(request, "editor/digest_new.html.j2", context, status_code=422)
        return _review(request, ctx, draft, form) if action == "review" else _send(request, ctx, draft, form)
    return page(request, "editor/digest_new.html.j2", _context(request, ctx, draft))


def _test(request: Request, ctx: EditorContext, draft: composer.Draft) -> Response:
    store = get_store(request)
    if not draft.article_ids:
        context = _context(request, ctx, draft, error="Tick at least one article for the test.")
        return page(request, "editor/digest_new.html.j2", context, status_code=422)
    try:
        to = editors.set_email(store, ctx.editor.id, draft.test_to or editors.email_of(store, ctx.editor.id) or "")
        send_test(
            store,
            get_settings(request),
            draft.article_ids,
            to,
            subject=draft.subject or None,
            preheader=draft.preheader or None,
            full=draft.full,
            list_name=draft.lists[0] if draft.lists else "test",
        )
    except PublisherError as exc:
        problem = "Give your email address for the test." if not draft.test_to else word(exc, api=False)
        context = _context(request, ctx, draft, error=problem)
        return page(request, "editor/digest_new.html.j2", context, status_code=422)
    notice = f"A test went to {to}, marked “[Test]”. Nobody on the list got it."
    return page(request, "editor/digest_new.html.j2", _context(request, ctx, draft, notice=notice, test_to=to))


def _review_context(
    request: Request, ctx: EditorContext, draft: composer.Draft, form: FormData, **more: object
) -> dict[str, object]:
    store, settings = get_store(request), get_settings(request)
    sizes = {item.name: item.active for item in editing.lists_with_sizes(store)}
    duplicates = [earlier_send(store, settings, draft.article_ids, name) for name in draft.lists]
    given = form.get("submission")
    context = _context(
        request,
        ctx,
        draft,
        chosen_lists=[(name, sizes.get(name, 0)) for name in draft.lists],
        audience=composer.audience(store, draft.lists),
        duplicate=next((d for d in duplicates if d is not None), None),
        force=form.get("force") == "yes",
        submission=given if isinstance(given, str) and given else secrets.token_urlsafe(24),
        ticked=draft.channels if form.get("step") == "confirm" else None,
        findings=service.preview_findings(
            get_services(request),
            draft.article_ids,
            subject=draft.subject or None,
            full=draft.full,
            preheader=draft.preheader or None,
        ),
    )
    context.update(more)
    return context


def _review(request: Request, ctx: EditorContext, draft: composer.Draft, form: FormData) -> Response:
    return page(request, "editor/digest_confirm.html.j2", _review_context(request, ctx, draft, form))


def _send(request: Request, ctx: EditorContext, draft: composer.Draft, form: FormData) -> Response:
    context = _review_context(request, ctx, draft, form)
    try:
        sent = composer.send_and_share(
            get_services(request), draft, submission=str(context["submission"]), force=bool(context["force"])
        )
    except DuplicateSend as exc:  # it went there since the confirmation was shown: confirm again
        context.update(error=word(exc, api=False), duplicate=exc)
        return page(request, "editor/digest_confirm.html.j2", context, status_code=409)
    except PublisherError as exc:
        context["error"] = word(exc, api=False)
        return page(request, "editor/digest_confirm.html.j2", context, status_code=422)
    if sent.errors or sent.skipped:  # the digest went: say what happened to each share
        return page(request, "editor/digest_sent.html.j2", {"ctx": ctx, "sent": sent})
    return RedirectResponse(f"/editor/campaigns/{sent.campaign_id}?done=sent", status_code=303)
