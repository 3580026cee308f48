"""The publication's Settings page (administrators only): name, sender, postal address, look, public list,
social profiles and the logo, each saved through publisher.publication.update.

Only the fields the form changed are stored, so a field left as it was keeps following its environment
variable (PUBLISHER_NEWSLETTER_NAME, PUBLISHER_POSTAL_ADDRESS, ...); an optional field emptied goes back to
the environment's value. The logo is uploaded into the media store (checked and re-encoded by
publisher.media.save_image) or removed; an error names the field and the form keeps what was typed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from publisher import editing, publication
from publisher.channels import share_channels
from publisher.errors import NotFound, PublisherError
from publisher.media import limits_of, save_image
from publisher.publication import EDITABLE, SOCIAL_NETWORKS, InvalidPublication
from publisher.web import limits
from publisher.web.deps import get_services, page
from publisher.web.errors import status_for
from publisher.web.security import AdminPage, CheckedForm, EditorContext, require_admin_page

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_admin_page)])

# The form's text fields, in the order the page shows them (logo_url and social_links have their own inputs).
TEXT_FIELDS = (
    "name",
    "description",
    "sender_name",
    "sender_address",
    "reply_to",
    "language",
    "accent_colour",
    "postal_address",
    "public_list",
)
NETWORK_LABELS = {
    "website": "Website",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "x": "X",
    "linkedin": "LinkedIn",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "threads": "Threads",
}


def field_of(message: str) -> str:
    """The form field an InvalidPublication message names ("" when it names none)."""
    if message.startswith("social_links."):
        return "social_" + message.split(".", 1)[1].split(" ", 1)[0].rstrip(":")
    return next((key for key in sorted(EDITABLE, key=len, reverse=True) if message.startswith(key)), "")


def _settings_page(
    request: Request,
    ctx: EditorContext,
    *,
    typed: dict[str, Any] | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    services = get_services(request)
    current = publication.load(services.store, services.settings)
    values = {**current.as_json(), **(typed or {})}
    return page(
        request,
        "editor/settings.html.j2",
        {
            "ctx": ctx,
            "values": values,
            "logo_url": current.logo_url,
            "defaults": publication.defaults(services.settings),
            "lists": [item.name for item in editing.lists_with_sizes(services.store)],
            "networks": [(n, NETWORK_LABELS[n]) for n in SOCIAL_NETWORKS],
            "error": error,
            "error_field": field_of(error),
            "done": request.query_params.get("done", ""),
            "max_logo": services.settings.media_max_bytes,
            "accounts": share_channels(services.settings),  # the Publish defaults' accounts (issue 16)
        },
        status_code=status_code,
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, ctx: AdminPage) -> Response:
    return _settings_page(request, ctx)


def _changes(form: FormData, current: publication.Publication) -> dict[str, Any]:
    """What the form changes: only the fields whose value differs from the publication's now."""
    now = current.as_json()
    changes: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        value = str(form.get(key) or "").replace("\r\n", "\n").strip()
        if value != (now[key] or ""):
            changes[key] = value
    social = {n: str(form.get(f"social_{n}") or "").strip() for n in SOCIAL_NETWORKS}
    if {n: u for n, u in social.items() if u} != current.social_links:
        changes["social_links"] = social
    tracking = str(form.get("tracking") or "")
    if tracking and tracking != current.tracking:
        changes["tracking"] = tracking
    utm = form.get("utm") == "yes"
    if form.get("utm_shown") == "yes" and utm != current.utm:
        changes["utm"] = utm
    if form.get("publish_shown") == "yes":  # the Publish defaults (issue 16)
        changes.update(_publish_changes(form, current))
    if form.get("clear_logo") == "yes":
        changes["logo_url"] = None
    return changes


def _publish_changes(form: FormData, current: publication.Publication) -> dict[str, Any]:
    """The Publish defaults the form changes: lists to mail, accounts to share to, full or summary."""
    changes: dict[str, Any] = {}
    lists = [v for v in form.getlist("publish_list") if isinstance(v, str)]
    accounts = [v for v in form.getlist("publish_account") if isinstance(v, str)]
    full = form.get("publish_content") != "summary"
    if lists != current.publish_lists:
        changes["publish_lists"] = lists
    if accounts != current.publish_accounts:
        changes["publish_accounts"] = accounts
    if full != current.publish_full:
        changes["publish_full"] = full
    return changes


@router.post("/settings", max_body_size=limits.SETTINGS)
async def save_settings(request: Request, form: CheckedForm, ctx: AdminPage) -> Response:
    services = get_services(request)
    current = await run_in_threadpool(publication.load, services.store, services.settings)
    changes = _changes(form, current)
    typed = {k: v for k, v in changes.items() if k != "logo_url"}
    upload = form.get("logo")
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read()
            media_limits = limits_of(services.settings)
            stored = await run_in_threadpool(save_image, services.media, data, "the logo", media_limits)
            changes["logo_url"] = stored.url
        if changes:
            await run_in_threadpool(publication.update, services.store, services.settings, changes)
    except NotFound as exc:  # the public list (or a Publish default's list) named does not exist (any more)
        key = "publish_lists" if "on Publish" in str(exc) else "public_list"
        return _settings_page(request, ctx, typed=typed, error=f"{key}: {exc}", status_code=422)
    except InvalidPublication as exc:
        return _settings_page(request, ctx, typed=typed, error=str(exc), status_code=422)
    except PublisherError as exc:  # the logo: not an image, too large (MediaRefused), the media store down
        return _settings_page(request, ctx, typed=typed, error=f"logo_url: {exc}", status_code=status_for(exc))
    return RedirectResponse("/editor/settings?done=saved", status_code=303)
