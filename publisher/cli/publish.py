"""`publisher publish ARTICLE_ID`: the one Publish (issue 16), then its timeline until everything is final.

Prints the publish's id on stdout, follows the timeline on stderr (Rich live) until it is final (or paused,
or --timeout), and prints the final timeline on stdout (`--format json`: publisher.automation.timeline's
shape). `--no-wait` prints the id and the timeline at that moment, and returns.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.live import Live
from rich.table import Table

from publisher.cli.common import Format, FormatOption, commands, err, out, services

if TYPE_CHECKING:  # pragma: no cover
    from publisher.automation.timeline import Timeline

top = commands()


@top.command()
def publish(
    ctx: typer.Context,
    article_id: Annotated[int, typer.Argument(metavar="ARTICLE_ID", min=1, help="The article's id.")],
    lists: Annotated[
        list[str] | None,
        typer.Option("--list", help="A list to mail (repeatable; default: the publication's publish_lists)."),
    ] = None,
    accounts: Annotated[
        list[str] | None,
        typer.Option("--share", help="An account to share to (repeatable; default: publish_accounts)."),
    ] = None,
    no_mail: Annotated[bool, typer.Option("--no-mail", help="Mail no list, whatever the defaults.")] = False,
    no_share: Annotated[bool, typer.Option("--no-share", help="Share to no account, whatever the defaults.")] = False,
    full: Annotated[
        bool | None,
        typer.Option(
            "--full/--summary", help="The full article or its summary (default: publish_full).", show_default=False
        ),
    ] = None,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Follow the timeline until it is final.")] = True,
    timeout: Annotated[float | None, typer.Option(help="Stop following after this many seconds.")] = None,
    format: Annotated[Format, FormatOption] = Format.text,  # noqa: A002 - the option's name
) -> None:
    """Publish the article, mail it to the lists and share it to the accounts, as the editor's Publish does.

    A part that fails (the same digest went to a list lately, a network refused the post) is on the
    timeline and the exit code is 1; the others still happen. An unknown list or account is refused before
    anything happens (exit code 2).
    """
    from publisher.automation.publish import publish as publish_article  # lazy: start-up cost
    from publisher.automation.timeline import timeline  # lazy: start-up cost

    s = services(ctx)
    publish_id = publish_article(
        s,
        article_id,
        lists=[] if no_mail else lists,
        accounts=[] if no_share else accounts,
        full=full,
        by="cli",
    )
    if format is Format.text:
        out.print(publish_id)
    found = timeline(s.store, publish_id)
    if wait and not found.final and not found.stopped:
        deadline = None if timeout is None else time.monotonic() + timeout
        with Live(_table(found), console=err, refresh_per_second=4, transient=True) as live:
            while not found.final and not found.stopped:
                if deadline is not None and time.monotonic() > deadline:
                    break
                time.sleep(0.5)
                found = timeline(s.store, publish_id)
                live.update(_table(found))
    if format is Format.json:
        out.print(json.dumps(found.to_dict(), ensure_ascii=False, indent=2), markup=False)
    else:
        _print(found)
    raise typer.Exit(_exit_code(found, waited=wait))


def _exit_code(found: Timeline, *, waited: bool) -> int:
    """0 when nothing failed (and, after waiting, everything is final); else 1."""
    failed = any(e.state == "failed" for e in found.entries)
    if found.errors or failed or (waited and not found.final):
        return 1
    return 0


def _table(found: Timeline) -> Table:
    table = Table("time", "what", "where", title=f"Publish {found.id}: {found.title}", title_justify="left")
    for e in found.entries:
        table.add_row(f"{e.at:%H:%M:%S}" if e.at else "", e.text, e.url or e.error or "")
    if found.digest is not None:
        d = found.digest
        table.caption = f"email: {d.total - d.pending:,} of {d.total:,} final ({d.percent}%)"
    return table


def _print(found: Timeline) -> None:
    """One line per entry: time, what, and where it went (a post's URL) or why it did not."""
    for e in found.entries:
        where = e.url or (e.error if e.kind != "error" else "") or ""
        code = f" (response {e.code})" if e.code else ""
        when = f"{e.at:%Y-%m-%d %H:%M:%S}" if e.at else "-"
        out.print(f"{when}  {e.text}{code}" + (f"  {where}" if where else ""), markup=False)
    if not found.final:
        out.print(
            f"not final yet: the editor's page /editor/publishes/{found.id} (or GET /api/publishes/{found.id})"
            " follows it",
            markup=False,
        )
    elif found.problems:
        out.print(f"final, with {found.problems} problem(s): the lines above say which", markup=False)
    else:
        out.print("everything is final", markup=False)
