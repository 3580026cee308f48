"""The Templates page (administrators only): the digest's HTML and text templates, each in a code editor.

Preview renders the source in the sandbox against the newest article and shows it (the HTML in a sandboxed
iframe, the text as it is); Save stores it only once it renders (campaigns.templates.save_override), else
the error is shown with its line and the source kept; Reset goes back to the shipped template.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from publisher import editing
from publisher.campaigns import templates
from publisher.render.email import RenderedDigest
from publisher.render.templates import OVERRIDABLE
from publisher.web import limits
from publisher.web.deps import get_services, page
from publisher.web.security import AdminPage, CheckedForm, EditorContext, require_admin_page

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_admin_page)])

ANCHORS = {name: name.replace("/", "-").replace(".", "-") for name in OVERRIDABLE}  # email-digest-html-j2


def _line_of(error: str) -> int | None:
    head = error.split(":", 1)[0]
    return int(head[5:]) if head.startswith("line ") and head[5:].isdigit() else None


def _templates_page(
    request: Request,
    ctx: EditorContext,
    *,
    editing_name: str = "",
    source: str = "",
    error: str = "",
    preview: RenderedDigest | None = None,
    status_code: int = 200,
) -> Response:
    services = get_services(request)
    shown = []
    for info in templates.templates(services.store, services.settings):
        mine = info.name == editing_name
        shown.append(
            {
                "info": info,
                "anchor": ANCHORS[info.name],
                "source": source if mine else info.source,
                "error": error if mine else "",
                "error_line": _line_of(error) if mine else None,
                "preview": preview if mine else None,
                "html": info.name.endswith(".html.j2"),
            }
        )
    done = request.query_params.get("done", "")
    return page(request, "editor/templates.html.j2", {"ctx": ctx, "templates": shown, "done": done}, status_code)


@router.get("/templates", response_class=HTMLResponse)
def templates_page(request: Request, ctx: AdminPage) -> Response:
    return _templates_page(request, ctx)


@router.post("/templates", max_body_size=limits.TEMPLATE)
async def change_template(request: Request, form: CheckedForm, ctx: AdminPage) -> Response:
    services = get_services(request)
    name, source = str(form.get("name") or ""), str(form.get("source") or "").replace("\r\n", "\n")
    if name not in OVERRIDABLE:
        return _templates_page(request, ctx, error="Choose one of the templates below.", status_code=422)
    try:
        if form.get("action") == "save":
            await run_in_threadpool(templates.save_override, services.store, services.settings, name, source)
            return RedirectResponse(f"/editor/templates?done=saved#{ANCHORS[name]}", status_code=303)
        digest = await run_in_threadpool(templates.try_override, services.store, services.settings, name, source)
    except templates.InvalidTemplate as exc:
        return _templates_page(request, ctx, editing_name=name, source=source, error=str(exc), status_code=422)
    preview = editing.for_sample_reader(digest)
    return _templates_page(request, ctx, editing_name=name, source=source, preview=preview)


@router.post("/templates/reset")
def reset_template(request: Request, form: CheckedForm, ctx: AdminPage) -> Response:
    name = str(form.get("name") or "")
    templates.reset_override(get_services(request).store, name)  # NotFound for a name that is no template
    return RedirectResponse(f"/editor/templates?done=reset#{ANCHORS[name]}", status_code=303)
