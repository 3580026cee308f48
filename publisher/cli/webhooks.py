"""`publisher webhooks ...` and `publisher events list` (issue 16): event webhook endpoints and the event log.

The secret of an endpoint is printed once, by `add` and `rotate`, on its own line; nothing else shows it.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from publisher.cli.common import Format, FormatOption, OldKeyOption, group, out, services

webhooks_app = group("Event webhooks: endpoints subscribed to event types, and their deliveries.")
events_app = group("The event log: what happened (articles published, digests sent, readers who left...).")

EventOption = typer.Option(
    "--event",
    "-e",
    help="An event type to send (repeat for more): article.published, digest.sent, digest.finished, "
    "post.published, post.failed, subscriber.confirmed, subscriber.unsubscribed, subscriber.bounced, "
    "subscriber.complained; * for every type.",
)


@webhooks_app.command("add")
def webhooks_add(
    ctx: typer.Context,
    url: str,
    event: Annotated[list[str], EventOption],
    description: Annotated[str, typer.Option("--description", help="A note for the editor.")] = "",
) -> None:
    """Subscribe URL to event types; prints the endpoint's id and its signing secret, which is shown only now."""
    from publisher.automation import webhook_endpoints  # lazy: start-up cost

    s = services(ctx)
    endpoint_id, secret = webhook_endpoints.add_endpoint(s.store, s.settings, url, event, description)
    out.print(f"webhook endpoint {endpoint_id} added; its signing secret (shown only now):", markup=False)
    out.print(secret, markup=False)


@webhooks_app.command("list")
def webhooks_list(ctx: typer.Context, fmt: Annotated[Format, FormatOption] = Format.text) -> None:
    """List the endpoints: id, enabled or why not, event types, URL."""
    from publisher.automation import webhook_endpoints  # lazy: start-up cost

    endpoints = webhook_endpoints.list_endpoints(services(ctx).store)
    if fmt is Format.json:
        rows = [
            {
                "id": e.id,
                "url": e.url,
                "event_types": e.event_types,
                "enabled": e.enabled,
                "disabled_reason": e.disabled_reason,
                "description": e.description,
            }
            for e in endpoints
        ]
        out.print(json.dumps(rows, indent=2), markup=False)
        return
    if not endpoints:
        out.print("no webhook endpoints", markup=False)
    for e in endpoints:
        state = "enabled" if e.enabled else f"disabled ({e.disabled_reason or 'by the editor'})"
        out.print(f"{e.id}  {state}  {','.join(e.event_types)}  {e.url}", markup=False)


@webhooks_app.command("remove")
def webhooks_remove(ctx: typer.Context, endpoint_id: int) -> None:
    """Remove an endpoint; its queued deliveries are not sent."""
    from publisher.automation import webhook_endpoints  # lazy: start-up cost

    webhook_endpoints.remove_endpoint(services(ctx).store, endpoint_id)
    out.print(f"webhook endpoint {endpoint_id} removed", markup=False)


@webhooks_app.command("enable")
def webhooks_enable(ctx: typer.Context, endpoint_id: int) -> None:
    """Enable an endpoint again (after a 410, say): it gets the events from now on."""
    from publisher.automation import webhook_endpoints  # lazy: start-up cost

    webhook_endpoints.set_enabled(services(ctx).store, endpoint_id, True)
    out.print(f"webhook endpoint {endpoint_id} enabled", markup=False)


@webhooks_app.command("disable")
def webhooks_disable(ctx: typer.Context, endpoint_id: int) -> None:
    """Disable an endpoint: it is sent nothing until enabled again."""
    from publisher.automation import webhook_endpoints  # lazy: start-up cost

    webhook_endpoints.set_enabled(services(ctx).store, endpoint_id, False)
    out.print(f"webhook endpoint {endpoint_id} disabled", markup=False)


@webhooks_app.command("rotate")
def webhooks_rotate(ctx: typer.Context, endpoint_id: int) -> None:
    """Give an endpoint a new signing secret (printed only now); the old one stops signing at once."""
    from publisher.automation import webhook_endpoints  # lazy: start-up cost

    s = services(ctx)
    secret = webhook_endpoints.rotate_secret(s.store, s.settings, endpoint_id)
    out.print(f"webhook endpoint {endpoint_id}: its new signing secret (shown only now):", markup=False)
    out.print(secret, markup=False)


@webhooks_app.command("rekey")
def webhooks_rekey(
    ctx: typer.Context,
    old_key: Annotated[str, OldKeyOption],
) -> None:
    """Re-encrypt the endpoints' signing secrets with the current PUBLISHER_SECRET_KEY, after changing it."""
    from publisher.automation import webhook_endpoints  # lazy: start-up cost

    s = services(ctx)
    count = webhook_endpoints.rekey(s.store, old_key, s.settings)
    out.print(f"{count} webhook secret(s) re-encrypted with the current PUBLISHER_SECRET_KEY", markup=False)


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    ctx: typer.Context,
    endpoint_id: Annotated[int | None, typer.Argument(help="Only this endpoint's.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    fmt: Annotated[Format, FormatOption] = Format.text,
) -> None:
    """The latest deliveries, newest first: event, state, the receiver's status code, attempts."""
    from publisher.automation import webhooks  # lazy: start-up cost

    found = webhooks.deliveries(services(ctx).store, endpoint_id, limit)
    if fmt is Format.json:
        rows = [
            {
                "id": d.row_id,
                "endpoint_id": d.endpoint_id,
                "event_id": d.event_id,
                "event_type": d.event_type,
                "webhook_id": d.webhook_id,
                "state": d.state,
                "status": d.status,
                "attempts": d.attempts,
                "error": d.error,
                "at": d.at.isoformat() if d.at else None,
            }
            for d in found
        ]
        out.print(json.dumps(rows, indent=2), markup=False)
        return
    for d in found:
        status = d.status if d.status is not None else "-"
        out.print(
            f"{d.row_id}  endpoint {d.endpoint_id}  {d.event_type} {d.webhook_id}  {d.state}  {status}  "
            f"{d.attempts} attempt{'' if d.attempts == 1 else 's'}",
            markup=False,
        )


@webhooks_app.command("replay")
def webhooks_replay(ctx: typer.Context, delivery_id: int) -> None:
    """Send a delivery again (same webhook-id: a receiver that has it already drops it)."""
    from publisher.automation import webhooks  # lazy: start-up cost

    webhooks.replay(services(ctx), delivery_id)
    out.print(f"delivery {delivery_id} queued again", markup=False)


@events_app.command("list")
def events_list(
    ctx: typer.Context,
    type: Annotated[str | None, typer.Option("--type", "-t", help="Only this event type.")] = None,  # noqa: A002
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    fmt: Annotated[Format, FormatOption] = Format.text,
) -> None:
    """The latest events, newest first: id, time, type, what it is about."""
    from publisher.automation import webhooks  # lazy: start-up cost

    found = webhooks.recent_events(services(ctx).store, type, limit)
    if fmt is Format.json:
        rows = [
            {"id": e.id, "type": e.type, "created_at": e.created_at.isoformat(), "data": e.data} for e in found
        ]
        out.print(json.dumps(rows, indent=2, ensure_ascii=False), markup=False)
        return
    for e in found:
        out.print(f"{e.id}  {e.created_at:%Y-%m-%d %H:%M:%S}  {e.type}  {e.subject}", markup=False)
