"""`publisher send`, `share`, `status` and `campaign pause|resume|cancel|reschedule`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from publisher.cli.common import Format, FormatOption, commands, err, group, out, services

if TYPE_CHECKING:  # pragma: no cover
    from publisher.campaigns import CampaignStatus
    from publisher.render.images import PickedImage
    from publisher.sharing import SharePreview

top = commands()
campaign_app = group("Control a campaign: pause, resume, cancel.")

WaitOption = typer.Option(help="With --wait: give up after this many seconds.")


def _follow(ctx: typer.Context, campaign_id: int, timeout: float | None, label: str) -> CampaignStatus:
    from publisher import campaigns  # lazy: start-up cost
    from publisher.progress import follow  # lazy: start-up cost

    return follow(err, campaigns.watch(services(ctx).store, campaign_id, timeout=timeout), label)


def _finished_well(state: CampaignStatus) -> int:
    """The exit code after --wait: 0 when every row is final and none failed."""
    return 0 if state.pending == 0 and state.counts["failed"] == 0 else 1


@top.command()
def send(
    ctx: typer.Context,
    article_ids: Annotated[list[int], typer.Argument(help="Articles for the digest, in order.")],
    list_name: Annotated[str, typer.Option("--list", help="The list to mail.")] = "default",
    subject: Annotated[str | None, typer.Option(help="Subject (default: the first title).")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Show progress until every message is final.")] = False,
    timeout: Annotated[float | None, WaitOption] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Send later: an ISO 8601 time with its UTC offset, e.g. 2026-12-01T09:00:00+01:00."),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Send even if the same articles went (or are scheduled to go) to the list lately.")
    ] = False,
    full: Annotated[
        bool | None,
        typer.Option(
            "--full/--summaries",
            help="Each article in full, or its summary and a Read more link (default: full for one, else summaries).",
            show_default=False,
        ),
    ] = None,
    preheader: Annotated[
        str | None,
        typer.Option(help="The preview text mail clients show after the subject (default: the first summary)."),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Refuse to send while the accessibility check finds anything (else: warnings on stderr)."
        ),
    ] = False,
) -> None:
    """Send a digest of these articles to a list, now or --at a time; prints the campaign id.

    The same articles, in the same order, to the same list within PUBLISHER_DUPLICATE_SEND_WINDOW_HOURS
    (default 24) of an earlier send are refused unless --force. The digest goes through the accessibility
    check first (images without alt text, an image-only mail, low contrast, no preheader): each finding is
    a warning on stderr, or with --strict a refusal naming them.
    """
    from publisher import campaigns  # lazy: start-up cost
    from publisher.campaigns import service  # lazy: start-up cost

    s = services(ctx)
    send_at = campaigns.parse_send_at(at) if at is not None else None
    if not strict:  # with --strict the send itself checks the digest it renders, and refuses
        for finding in service.preview_findings(s, article_ids, subject=subject, full=full, preheader=preheader):
            err.print(f"warning: {finding.message} ({finding.code})", markup=False)
    campaign_id = service.send_digest(
        s,
        article_ids,
        list_name,
        subject=subject,
        send_at=send_at,
        force=force,
        full=full,
        preheader=preheader,
        strict=strict,
    )
    out.print(campaign_id)
    if send_at is not None:
        scheduled = campaigns.status(s.store, campaign_id).scheduled_at
        err.print(f"scheduled for {scheduled:%Y-%m-%d %H:%M:%S} UTC; a worker's sweep sends it then", markup=False)
    if wait:
        state = _follow(ctx, campaign_id, timeout, "delivering")
        _print_counts(state)
        raise typer.Exit(_finished_well(state))


def _picked(urls: list[str] | None, alts: list[str] | None) -> tuple[PickedImage, ...]:
    """--attach URLs paired with the --alt texts in the same places (an image without one: the article's)."""
    from publisher.render.images import PickedImage  # lazy: start-up cost

    urls, alts = urls or [], alts or []
    if len(alts) > len(urls):
        raise typer.BadParameter(f"{len(alts)} --alt texts for {len(urls)} --attach images: one --alt per --attach")
    return tuple(PickedImage(url, alts[i] if i < len(alts) else None) for i, url in enumerate(urls))


@top.command()
def share(
    ctx: typer.Context,
    article_id: int,
    channel: Annotated[list[str], typer.Option("--channel", "-c", help="Channel to share to (repeatable).")],
    force: Annotated[bool, typer.Option(help="Share again even if already shared to a channel.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait and print each post's URL or error.")] = False,
    timeout: Annotated[float | None, WaitOption] = None,
    preview: Annotated[bool, typer.Option("--preview", help="Show each post and its length; send nothing.")] = False,
    image: Annotated[
        bool,
        typer.Option(
            "--image/--no-image",
            help="Attach the article's cover image (with its alt text) on Mastodon and X; Bluesky's card "
            "shows it either way.",
        ),
    ] = False,
    attach: Annotated[
        list[str] | None,
        typer.Option(
            "--attach",
            metavar="URL",
            help="Attach this image of the article (its cover or an image in it; repeatable, in order): at most 4 "
            "on Mastodon, X and Bluesky (there in place of the link card), none on LinkedIn and Threads.",
        ),
    ] = None,
    alt: Annotated[
        list[str] | None,
        typer.Option(
            "--alt",
            metavar="TEXT",
            help="Alt text of the --attach image in the same place (repeatable); without it, the article's own.",
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Post later: an ISO 8601 time with its UTC offset, e.g. 2026-12-01T09:00:00+01:00."),
    ] = None,
    in_queue: Annotated[
        bool,
        typer.Option("--queue", help="Add to each account's queue: its next free posting slot (`channels slots`)."),
    ] = False,
    thread: Annotated[
        bool,
        typer.Option(
            "--thread", help="On X, Mastodon and Bluesky, post the whole text as a thread instead of shortening it."
        ),
    ] = False,
    numbered: Annotated[bool, typer.Option("--numbered", help="Number a thread's parts (1/3, 2/3, ...).")] = False,
    track_clicks: Annotated[
        bool,
        typer.Option(
            "--track-clicks",
            help="Count clicks on the posts through /r/<token> links (refused when the publication's tracking is off).",
        ),
    ] = False,
    text_file: Annotated[
        typer.FileText | None,
        typer.Option(
            "--text",
            help="Post this file's text instead of the template's (a line of only --- splits a thread; - reads stdin).",
        ),
    ] = None,
) -> None:
    """The Share action: post the article to every chosen channel, now, --at a time or --queue; prints the campaign id.

    With --queue each account gets its own scheduled campaign at its next free slot: one line per account,
    "ID ACCOUNT TIME". A scheduled share is started by a worker's sweep; `publisher campaign cancel ID` cancels it.
    """
    from publisher import campaigns, sharing  # lazy: start-up cost
    from publisher.campaigns import service  # lazy: start-up cost
    from publisher.render.share import PostShape  # lazy: start-up cost

    s = services(ctx)
    texts = dict.fromkeys(channel, text_file.read()) if text_file is not None else {}
    shape = PostShape(thread=thread or numbered, numbered=numbered, texts=texts, images=_picked(attach, alt))
    if preview:
        _print_previews(sharing.preview(s.store, s.settings, article_id, channel, shape=shape))
        return
    if in_queue:
        if at is not None or wait:
            raise typer.BadParameter("--queue takes each account's next slot: leave out --at and --wait")
        queued = service.add_to_queue(
            s, article_id, channel, force=force, attach_image=image, shape=shape, track_clicks=track_clicks
        )
        for item in queued:
            out.print(f"{item.campaign_id} {item.account} {item.local:%Y-%m-%d %H:%M} {item.zone}", markup=False)
        return
    send_at = campaigns.parse_send_at(at) if at is not None else None
    campaign_id = service.share(
        s, article_id, channel, force=force, attach_image=image, send_at=send_at, shape=shape, track_clicks=track_clicks
    )
    out.print(campaign_id)
    if send_at is not None:
        scheduled = campaigns.status(s.store, campaign_id).scheduled_at
        err.print(f"scheduled for {scheduled:%Y-%m-%d %H:%M:%S} UTC; a worker's sweep posts it then", markup=False)
    if wait:
        _follow(ctx, campaign_id, timeout, "sharing")
        state = campaigns.status(s.store, campaign_id, with_deliveries=True)
        for row in state.deliveries:
            sent = row["url"] or f"posted (id {row['provider_id']})"
            outcome = sent if row["state"] == "sent" else f"{row['state']}: {row['error'] or ''}"
            out.print(f"{row['channel']}: {outcome}", markup=False)
        raise typer.Exit(_finished_well(state))


def _print_previews(previews: list[SharePreview]) -> None:
    for item in previews:
        limit = f"/{item.limit}" if item.limit is not None else " (no limit)"
        head = f"── {item.channel} ({item.network}): {item.length}{limit}" + (", shortened" if item.shortened else "")
        out.print(head, markup=False)
        if item.error is not None:
            out.print(f"cannot share: {item.error}", markup=False)
        for k, part in enumerate(item.parts or (item.text,), 1):
            if len(item.parts) > 1:
                out.print(f"── part {k} of {len(item.parts)}", markup=False)
            out.print(part, markup=False)
        if item.already_shared:
            out.print(f"(already shared at {item.already_shared}; --force to share again)", markup=False)
        out.print()


def _print_counts(state: CampaignStatus) -> None:
    counts = ", ".join(f"{n} {s}" for s, n in state.counts.items() if n)
    err.print(f"campaign {state.id}: {state.state} ({counts or 'no rows'})")


@top.command()
def status(ctx: typer.Context, campaign_id: int, format: Annotated[Format, FormatOption] = Format.text) -> None:
    """Show a campaign's state and its outbox counts."""
    from publisher import campaigns  # lazy: start-up cost

    state = campaigns.status(services(ctx).store, campaign_id, with_deliveries=True)
    if format is Format.json:
        out.print(json.dumps(state.to_dict(), ensure_ascii=False, indent=2), markup=False)
        return
    table = Table("state", "count", title=f"campaign {state.id} ({state.kind}): {state.state}")
    for name, count in state.counts.items():
        table.add_row(name, str(count))
    out.print(table)
    out.print(
        f"throughput: {state.throughput_per_s:,} msg/s over the last minute, {state.average_per_s:,} msg/s on average"
    )
    if state.pause_reason:
        out.print(f"paused: {state.pause_reason}", markup=False)
    if state.scheduled_at:
        verb = "scheduled for" if state.state == "scheduled" else "was scheduled for"
        out.print(f"{verb} {state.scheduled_at:%Y-%m-%d %H:%M:%S} UTC", markup=False)
    if state.compacted_at:
        out.print(f"compacted {state.compacted_at:%Y-%m-%d %H:%M} UTC: the counts are kept, not the rows per reader")


# Campaign control (issue 4): pause, resume, cancel, reschedule.


@campaign_app.command("pause")
def campaign_pause(ctx: typer.Context, campaign_id: int) -> None:
    """Pause a campaign: workers stop after the chunk they are sending."""
    from publisher import campaigns  # lazy: start-up cost

    campaigns.pause(services(ctx).store, campaign_id)
    out.print(f"campaign {campaign_id} paused")


@campaign_app.command("resume")
def campaign_resume(ctx: typer.Context, campaign_id: int) -> None:
    """Resume a paused campaign (after an operator's pause or too many connection failures)."""
    from publisher import campaigns  # lazy: start-up cost

    s = services(ctx)
    count = campaigns.resume(s.store, s.settings, s.dispatcher, campaign_id)
    out.print(f"campaign {campaign_id} resumed: {count} batches dispatched")


@campaign_app.command("cancel")
def campaign_cancel(ctx: typer.Context, campaign_id: int) -> None:
    """Cancel a campaign: nothing more is sent; rows already in flight finish."""
    from publisher import campaigns  # lazy: start-up cost

    count = campaigns.cancel(services(ctx).store, campaign_id)
    out.print(f"campaign {campaign_id} cancelled: {count} messages will not be sent")


@campaign_app.command("reschedule")
def campaign_reschedule(
    ctx: typer.Context,
    campaign_id: int,
    at: Annotated[str, typer.Option("--at", help="The new time, ISO 8601 with its UTC offset.")],
) -> None:
    """Move a scheduled send to another time (before it has started)."""
    from publisher import campaigns  # lazy: start-up cost

    when = campaigns.reschedule(services(ctx).store, campaign_id, campaigns.parse_send_at(at))
    out.print(f"campaign {campaign_id} scheduled for {when:%Y-%m-%d %H:%M:%S} UTC")
