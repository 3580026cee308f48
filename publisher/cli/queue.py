"""`publisher channels slots|queue`: each social account's posting slots, and the posts queued in them (issue 14)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from publisher.cli.channels import channels_app
from publisher.cli.common import Format, FormatOption, out, services
from publisher.errors import PublisherError

# On `publisher channels` (cli/channels.py): `slots` and `queue` beside `list` and `rekey`.


@channels_app.command("slots")
def channels_slots(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="The share channel (account), e.g. mastodon:work or bluesky.")],
    spec: Annotated[
        str | None,
        typer.Argument(help='The slots, e.g. "weekdays 09:00, 17:00" or "mon, wed 12:30; sat 10:00". Omit to show.'),
    ] = None,
    tz: Annotated[
        str | None, typer.Option("--tz", help="The slots' time zone, an IANA name such as Europe/Berlin (default UTC).")
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the account's slots (queued posts stay).")] = False,
) -> None:
    """Set, show or clear an account's posting slots; "Add to queue" takes the next free one.

    Times are wall-clock times in the zone: on a spring-forward day a slot that does not exist moves to the
    next minute that does, and an ambiguous one on a fall-back day is posted once.
    """
    from publisher.campaigns import queue  # lazy: start-up cost
    from publisher.channels import share_channels  # lazy: start-up cost

    s = services(ctx)
    if clear:
        removed = queue.clear_slots(s.store, account)
        out.print(f"{account}: slots removed" if removed else f"{account} had no slots", markup=False)
        return
    if spec is None:
        slots = queue.require_slots(s.store, account)
        out.print(f"{account}: {slots}", markup=False)
        return
    known = share_channels(s.settings)
    if account not in known:
        raise PublisherError(f"unknown channel {account!r}; configured: {', '.join(known) or 'none'}")
    slots = queue.set_slots(s.store, account, spec, tz)
    nxt = queue.next_free(s.store, [account], now=s.clock.now())[account]
    when = f"; next free slot {nxt.astimezone(slots.tzinfo):%a %Y-%m-%d %H:%M %Z}" if nxt else ""
    out.print(f"{account}: {slots}{when}", markup=False)


@channels_app.command("queue")
def channels_queue(
    ctx: typer.Context,
    account: Annotated[str | None, typer.Argument(help="One account's queue (default: every account's).")] = None,
    format: Annotated[Format, FormatOption] = Format.text,
) -> None:
    """The posts waiting in the queues, soonest first: campaign id, account, slot time in the account's zone."""
    from publisher.campaigns import queue  # lazy: start-up cost

    s = services(ctx)
    items = queue.upcoming(s.store, account, now=s.clock.now())
    if format is Format.json:
        out.print(json.dumps([item.to_dict() for item in items], indent=2), markup=False)
        return
    if not items:
        out.print("no queued posts", markup=False)
    for item in items:
        out.print(f"{item.campaign_id} {item.account} {item.local:%a %Y-%m-%d %H:%M} {item.zone}", markup=False)
