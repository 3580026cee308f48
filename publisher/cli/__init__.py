"""The `publisher` command, one module per command group:

- articles.py     `import`, `article show|list`
- send.py         `send`, `share`, `status`, `campaign pause|resume|cancel|reschedule`
- subscribers.py  `subscribers ...` (lists, CSV, consent, privacy, suppression, bounces)
- bounces.py      `bounces serve|poll|read` (the inbound SMTP listener, IMAP polling, a mailbox file)
- users.py        `users ...` (editor accounts, API tokens)
- channels.py     `channels list|rekey` (social accounts added in the editor, their encryption key)
- media.py        `media add` (images into the media store)
- queue.py        `channels slots|queue` (posting slots and queued shares), on channels.py's group
- ops.py          `worker`, `serve`, `demo`, `db upgrade`
- doctor.py       `doctor` (the configuration checked)
- report.py       `report ID` (a campaign's report: delivery, bounces, opens and clicks, posts)
- feeds.py        `feeds add|list|remove|poll` (feeds in, issue 16)
- schedules.py    `schedules ...` (recurring digests and the cadences readers may choose)
- sequence.py     `sequence set|list|remove|enable|disable` (a list's welcome mail and sequence)
- publish.py      `publish ARTICLE_ID` (the one Publish of issue 16, and its timeline)
- webhooks.py     `webhooks add|list|remove|enable|disable|rotate|deliveries|replay`, `events list` (issue 16)
- outbox.py       `outbox compact` (finished campaigns' rows compacted into their totals, issue 17)
- common.py       consoles, formats, the lazily built Services, and the one error handler
"""

from __future__ import annotations

from typing import Annotated

import typer

from publisher.cli import (
    articles,
    bounces,
    channels,
    doctor,
    feeds,
    media,
    ops,
    outbox,
    publish,
    queue,  # noqa: F401 - adds `channels slots|queue` to channels.channels_app
    report,
    schedules,
    send,
    sequence,
    subscribers,
    users,
    webhooks,
)
from publisher.cli.common import Commands, ProcessServices

app = typer.Typer(
    cls=Commands,
    help="Import articles, mail digests to subscribers, share posts to social networks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# The order here is the order of `publisher --help`.
app.add_typer(articles.top)
app.add_typer(send.top)
app.add_typer(publish.top)
app.add_typer(ops.top)
app.add_typer(doctor.top)
app.add_typer(report.top)
app.add_typer(articles.article_app, name="article")
app.add_typer(subscribers.subscribers_app, name="subscribers")
app.add_typer(bounces.bounces_app, name="bounces")
app.add_typer(ops.db_app, name="db")
app.add_typer(send.campaign_app, name="campaign")
app.add_typer(users.users_app, name="users")
app.add_typer(media.media_app, name="media")
app.add_typer(channels.channels_app, name="channels")  # with queue.py's `slots` and `queue`
app.add_typer(feeds.feeds_app, name="feeds")
app.add_typer(schedules.schedules_app, name="schedules")
app.add_typer(sequence.sequence_app, name="sequence")
app.add_typer(webhooks.webhooks_app, name="webhooks")  # issue 16: event webhooks and the event log
app.add_typer(webhooks.events_app, name="events")
app.add_typer(outbox.outbox_app, name="outbox")


def _version(value: bool) -> None:
    if value:
        from publisher import __version__

        typer.echo(f"publisher {__version__}")
        raise typer.Exit()


@app.callback()
def _process(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    # The composition root of a CLI process: built on a command's first need, closed when it ends.
    ctx.obj = ProcessServices()
    ctx.call_on_close(ctx.obj.close)


def main() -> None:
    """The console script `publisher` (and `python -m publisher`)."""
    app(prog_name="publisher")


__all__ = ["app", "main"]
