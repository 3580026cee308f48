"""`publisher feeds add|list|remove|poll`: feeds whose new entries are imported as articles (issue 16)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from publisher.cli.common import Format, FormatOption, err, group, out, services

feeds_app = group("Feeds (RSS, Atom, JSON Feed) whose new entries are imported as published articles.")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


@feeds_app.command("add")
def feeds_add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The feed's http(s) URL.")],
    list_name: Annotated[
        str | None, typer.Option("--list", help="Its articles go only into this list's recurring digests.")
    ] = None,
    share: Annotated[
        list[str] | None, typer.Option("--share", help="Share each new article to this account (repeatable).")
    ] = None,
    every: Annotated[str, typer.Option("--every", help="How often to poll: 15m, 1h, 1d ...")] = "15m",
) -> None:
    """Add a feed; prints its id. It is polled by the workers' sweep from now on (or `feeds poll ID`)."""
    from publisher.automation import feeds  # lazy: start-up cost

    out.print(feeds.add_feed(services(ctx), url, list_name=list_name, share=share or [], every=every))


@feeds_app.command("list")
def feeds_list(ctx: typer.Context, format: Annotated[Format, FormatOption] = Format.text) -> None:
    """Every feed: id, URL, title, last poll, status, last error, next poll."""
    from publisher.automation import feeds  # lazy: start-up cost

    listed = feeds.list_feeds(services(ctx).store)
    if format is Format.json:
        rows = [
            {
                "id": f.id,
                "url": f.url,
                "title": f.title,
                "list": f.list_name,
                "share": f.share_accounts,
                "every": feeds.show_every(f.every_seconds),
                "last_polled_at": f.last_polled_at.isoformat() if f.last_polled_at else None,
                "last_status": f.last_status,
                "last_error": f.last_error,
                "next_poll_at": f.next_poll_at.isoformat(),
                "failures": f.failures,
                "articles": f.entries,
            }
            for f in listed
        ]
        out.print(json.dumps(rows, ensure_ascii=False, indent=2), markup=False)
        return
    table = Table("id", "url", "title", "last poll", "status", "last error", "next poll")
    for f in listed:
        status = str(f.last_status) if f.last_status is not None else ("failed" if f.last_error else "-")
        table.add_row(
            str(f.id),
            escape(f.url),
            escape(f.title),
            _when(f.last_polled_at),
            status,
            escape(f.last_error or ""),
            _when(f.next_poll_at),
        )
    out.print(table)


@feeds_app.command("remove")
def feeds_remove(ctx: typer.Context, feed_id: Annotated[int, typer.Argument(help="The feed's id.")]) -> None:
    """Remove a feed; the articles it imported stay."""
    from publisher.automation import feeds  # lazy: start-up cost

    feeds.remove_feed(services(ctx).store, feed_id)
    out.print(f"feed {feed_id} removed", markup=False)


@feeds_app.command("poll")
def feeds_poll(
    ctx: typer.Context,
    feed_id: Annotated[int | None, typer.Argument(help="The feed's id; without it, every feed.")] = None,
) -> None:
    """Poll now and wait for it: what each feed imported, or why it could not. Exit 1 if a feed failed."""
    from publisher.automation import feeds  # lazy: start-up cost

    s = services(ctx)
    ids = [feed_id] if feed_id is not None else [f.id for f in feeds.list_feeds(s.store)]
    if not ids:
        err.print("no feeds; add one with `publisher feeds add URL`")
        return
    failed = False
    for one in ids:
        result = feeds.poll(s, one)
        if result.error:
            failed = True
            err.print(f"[red]feed {one}[/]: {escape(result.error)}")
        elif result.not_modified:
            out.print(f"feed {one}: not modified (304), nothing imported", markup=False)
        else:
            more = f", {result.deferred} left for the next poll" if result.deferred else ""
            bad = f", {result.failed} could not be imported" if result.failed else ""
            out.print(f"feed {one}: {result.imported} imported, {result.skipped} seen before{more}{bad}", markup=False)
    if failed:
        raise typer.Exit(1)
