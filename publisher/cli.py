"""The `publisher` command: import, subscribers, send, share, worker, status, demo."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from publisher import campaigns, importers, library, subscribers
from publisher.config import Settings
from publisher.errors import AlreadyShared, PublisherError
from publisher.store import Store

app = typer.Typer(
    help="Import articles, mail digests to subscribers, share posts to social networks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
article_app = typer.Typer(help="Read imported articles.", no_args_is_help=True)
subscribers_app = typer.Typer(help="Lists and subscribers.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
app.add_typer(article_app, name="article")
app.add_typer(subscribers_app, name="subscribers")
app.add_typer(db_app, name="db")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


class Format(StrEnum):
    text = "text"
    json = "json"


@contextmanager
def _user_errors() -> Iterator[None]:
    """Bad input ends the command with its message and exit code 2, never a traceback."""
    try:
        yield
    except PublisherError as exc:
        hint = "; use --force to share again" if isinstance(exc, AlreadyShared) else ""
        err.print(f"[bold red]error:[/] {exc}{hint}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    except ValidationError as exc:  # a PUBLISHER_* setting that is not valid (issue 4: e.g. a From with CR/LF)
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'setting'}: {e['msg']}" for e in exc.errors())
        err.print(f"error: invalid setting: {problems}", markup=False, highlight=False)
        raise typer.Exit(2) from None


def _open() -> tuple[Settings, Store]:
    settings = Settings()
    return settings, Store(settings.resolved_database_url)


def _dispatcher(settings: Settings):  # noqa: ANN202 - workers is imported lazily: it loads Celery
    from workers.dispatch import CeleryDispatcher

    return CeleryDispatcher(settings)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def wait_for(
    store: Store, campaign_id: int, *, timeout: float | None = None, label: str = "delivering"
) -> campaigns.CampaignStatus:
    """Show a progress bar until every outbox row of the campaign is final (or the timeout passes)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    state = campaigns.status(store, campaign_id)
    with _progress() as progress:
        task = progress.add_task(label, total=state.total)
        while True:
            state = campaigns.status(store, campaign_id)
            progress.update(task, completed=state.total - state.pending)
            if state.pending == 0 or state.state in ("cancelled", "paused"):
                return state
            if deadline is not None and time.monotonic() > deadline:
                return state
            time.sleep(0.25)


@app.command("import")
def import_articles(paths: Annotated[list[Path], typer.Argument(help="Article files: .txt, .md or .html.")]) -> None:
    """Import article files; prints one article id per file. Nothing is stored if any file is bad."""
    with _user_errors():
        articles = [importers.load(path) for path in paths]
        settings, store = _open()
        saved = library.save_articles(store, articles)
        for (article_id, created), path in zip(saved, paths, strict=True):
            out.print(article_id)
            if not created:
                err.print(f"{path}: imported before, as article {article_id}")
        # Auto-share (issue 6): PUBLISHER_SHARE_ON_IMPORT shares each newly imported article.
        if settings.share_on_import_channels:
            from publisher.sharing import auto_share_article

            for article_id, created in saved:
                if created:
                    auto_share_article(store, settings, _dispatcher(settings), article_id)


@article_app.command("show")
def article_show(
    article_id: int,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.text,
) -> None:
    """Show one article."""
    with _user_errors():
        _, store = _open()
        article = library.get_article(store, article_id)
    if format is Format.json:
        out.print(json.dumps(article.to_dict(), ensure_ascii=False, indent=2), markup=False)
        return
    out.print(f"[bold]{article.title}[/]  (#{article.id}, {article.slug})")
    for section in article.sections:
        if section.heading:
            out.print(f"\n[bold underline]{section.heading}[/]")
        for paragraph in section.paragraphs:
            out.print(f"\n{paragraph}", markup=False)


@article_app.command("list")
def article_list() -> None:
    """List the newest articles."""
    _, store = _open()
    table = Table("id", "title", "slug")
    for article in library.list_articles(store):
        table.add_row(str(article.id), article.title, article.slug)
    out.print(table)


@subscribers_app.command("add")
def subscribers_add(
    emails: Annotated[list[str], typer.Argument(help="Addresses to add.")],
    list_name: Annotated[str, typer.Option("--list", help="The list (created if needed).")] = "default",
    name: Annotated[str, typer.Option(help="Display name for these subscribers.")] = "",
    allow_suppressed: Annotated[
        bool, typer.Option("--allow-suppressed", help="Add suppressed addresses too, lifting their suppression.")
    ] = False,
) -> None:
    """Add subscribers to a list; every address is checked first, and one bad address adds nothing."""
    with _user_errors():
        people = subscribers.parse_addresses(emails, name=name)
        _, store = _open()
        report = subscribers.add_to_list(store, list_name, people, allow_suppressed=allow_suppressed)
    _report_suppressed(report)
    out.print(f"{report.added} added to {list_name!r}, {report.already} already there")


@subscribers_app.command("import")
def subscribers_import(
    file: Path,
    list_name: Annotated[str, typer.Option("--list", help="The list (created if needed).")] = "default",
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Import the good rows even if some are bad.")] = False,
    allow_suppressed: Annotated[
        bool, typer.Option("--allow-suppressed", help="Import suppressed addresses too, lifting their suppression.")
    ] = False,
) -> None:
    """Import subscribers from a CSV with an `email` column (and optional `name`)."""
    with _user_errors():
        if not file.is_file():
            raise PublisherError(f"{file}: no such file")
        report = subscribers.read_csv(file)
        for problem in report.errors:
            err.print(f"{file}:{problem}", markup=False)
        if report.errors and not skip_bad:
            raise PublisherError(f"{len(report.errors)} bad rows in {file}; nothing imported (use --skip-bad)")
        _, store = _open()
        with _progress() as progress:
            task = progress.add_task("importing", total=len(report.people))
            added = subscribers.add_to_list(
                store,
                list_name,
                report.people,
                source=f"csv:{file.name}",
                progress=lambda n: progress.advance(task, n),
                allow_suppressed=allow_suppressed,
            )
    _report_suppressed(added)
    out.print(f"{added.added} added to {list_name!r}, {added.already} already there, {len(report.errors)} skipped")


@app.command()
def send(
    article_ids: Annotated[list[int], typer.Argument(help="Articles for the digest, in order.")],
    list_name: Annotated[str, typer.Option("--list", help="The list to mail.")] = "default",
    subject: Annotated[str | None, typer.Option(help="Subject (default: the first title).")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Show progress until every message is final.")] = False,
    timeout: Annotated[float | None, typer.Option(help="With --wait: give up after this many seconds.")] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Send later: an ISO 8601 time with its UTC offset, e.g. 2026-12-01T09:00:00+01:00."),
    ] = None,
) -> None:
    """Send a digest of these articles to a list, now or --at a time; prints the campaign id."""
    with _user_errors():
        settings, store = _open()
        send_at = campaigns.parse_send_at(at) if at is not None else None
        campaign_id = campaigns.create_email_campaign(
            store, settings, article_ids, list_name, subject=subject, send_at=send_at
        )
        if send_at is None:
            campaigns.dispatch(store, settings, _dispatcher(settings), campaign_id)
    out.print(campaign_id)
    if send_at is not None:
        scheduled = campaigns.status(store, campaign_id).scheduled_at
        err.print(f"scheduled for {scheduled:%Y-%m-%d %H:%M:%S} UTC; a worker's sweep sends it then", markup=False)
    if wait:
        state = wait_for(store, campaign_id, timeout=timeout)
        _print_counts(state)
        raise typer.Exit(0 if state.pending == 0 and state.counts["failed"] == 0 else 1)


@app.command()
def share(
    article_id: int,
    channel: Annotated[list[str], typer.Option("--channel", "-c", help="Channel to share to (repeatable).")],
    force: Annotated[bool, typer.Option(help="Share again even if already shared to a channel.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait and print each post's URL or error.")] = False,
    timeout: Annotated[float | None, typer.Option(help="With --wait: give up after this many seconds.")] = None,
    preview: Annotated[bool, typer.Option("--preview", help="Show each post and its length; send nothing.")] = False,
) -> None:
    """The Share action: post the article to every chosen channel; prints the campaign id."""
    from publisher import sharing

    with _user_errors():
        settings, store = _open()
        if preview:
            _print_previews(sharing.preview(store, settings, article_id, channel))
            return
        campaign_id = sharing.share(store, settings, _dispatcher(settings), article_id, channel, force=force)
    out.print(campaign_id)
    if wait:
        wait_for(store, campaign_id, timeout=timeout, label="sharing")
        state = campaigns.status(store, campaign_id, with_deliveries=True)
        for row in state.deliveries:
            sent = row["url"] or f"posted (id {row['provider_id']})"
            outcome = sent if row["state"] == "sent" else f"{row['state']}: {row['error'] or ''}"
            out.print(f"{row['channel']}: {outcome}", markup=False)
        raise typer.Exit(0 if state.pending == 0 and state.counts["failed"] == 0 else 1)


def _print_previews(previews: list) -> None:  # noqa: ANN001 - list[sharing.SharePreview]
    for item in previews:
        limit = f"/{item.limit}" if item.limit is not None else " (no limit)"
        head = f"── {item.channel} ({item.network}): {item.length}{limit}" + (", shortened" if item.shortened else "")
        out.print(head, markup=False)
        out.print(item.text if item.error is None else f"cannot share: {item.error}", markup=False)
        if item.already_shared:
            out.print(f"(already shared at {item.already_shared}; --force to share again)", markup=False)
        out.print()


def _print_counts(state: campaigns.CampaignStatus) -> None:
    counts = ", ".join(f"{n} {s}" for s, n in state.counts.items() if n)
    err.print(f"campaign {state.id}: {state.state} ({counts or 'no rows'})")


@app.command()
def status(
    campaign_id: int,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.text,
) -> None:
    """Show a campaign's state and its outbox counts."""
    with _user_errors():
        _, store = _open()
        state = campaigns.status(store, campaign_id, with_deliveries=True)
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


@app.command()
def worker(
    concurrency: Annotated[int | None, typer.Option("--concurrency", "-c", help="Worker processes.")] = None,
    loglevel: Annotated[str, typer.Option("--loglevel", "-l")] = "INFO",
) -> None:
    """Run a Celery worker for every queue (email and each share channel)."""
    from workers.app import app as celery_app
    from workers.app import worker_argv

    celery_app.worker_main(worker_argv(concurrency, loglevel))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the web app (editor pages, public pages, REST API)."""
    import uvicorn

    from publisher.web import create_app

    err.print(f"serving on http://{host}:{port}/")
    uvicorn.run(create_app(), host=host, port=port, log_level="info")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema (every command also does this when needed)."""
    settings, store = _open()
    out.print(f"schema is current: {store.engine.url.render_as_string(hide_password=True)}")


@app.command()
def demo(
    subscribers_count: Annotated[int, typer.Option("--subscribers")] = 1000,
    data_dir: Annotated[Path | None, typer.Option(help="Where the demo keeps its data (wiped first).")] = None,
) -> None:
    """Run the main job end to end on the embedded default: SQLite, filesystem broker, file outbox."""
    from publisher.demo import run_demo

    with _user_errors():
        ok = run_demo(out, err, data_dir or Path.cwd() / "var" / "demo", subscribers_count)
    raise typer.Exit(0 if ok else 1)


# --- Subscribers and consent (issue 5): export, privacy, unsubscribe, suppression list, bounces ---


def _report_suppressed(report: subscribers.AddReport) -> None:
    for address in report.suppressed:
        err.print(f"{address}: on the suppression list, not added (use --allow-suppressed)", markup=False)
    if report.suppressed:
        err.print(f"{len(report.suppressed)} suppressed addresses left out", markup=False)


@subscribers_app.command("lists")
def subscribers_lists(format: Annotated[Format, typer.Option("--format", "-f")] = Format.text) -> None:
    """Every list with its subscription counts per status."""
    _, store = _open()
    lists = subscribers.list_overview(store)
    if format is Format.json:
        out.print(json.dumps(lists, indent=2), markup=False)
        return
    statuses = ("active", "unconfirmed", "unsubscribed", "bounced", "complained")
    table = Table("list", *statuses)
    for item in lists:
        table.add_row(item["name"], *(str(item["counts"].get(s, 0)) for s in statuses))
    out.print(table)


@subscribers_app.command("export")
def subscribers_export(
    list_name: Annotated[str, typer.Option("--list", help="The list to export.")] = "default",
    status: Annotated[str | None, typer.Option(help="Only this status (active, unsubscribed, ...).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Export a list as CSV: email, name, status, source, dates, then one column per attribute."""
    with _user_errors():
        _, store = _open()
        if output is None:
            count = subscribers.export_csv(store, list_name, sys.stdout, status=status)
        else:
            tmp = output.with_name(f".{output.name}.partial")
            with tmp.open("w", encoding="utf-8", newline="") as handle:
                count = subscribers.export_csv(store, list_name, handle, status=status)
            tmp.replace(output)  # a half-written export never sits under the real name
    err.print(f"{count} subscribers exported from {list_name!r}")


@subscribers_app.command("show")
def subscribers_show(email: str) -> None:
    """Everything held about one address, as JSON (for a data access request)."""
    from publisher.privacy import export_subscriber

    with _user_errors():
        _, store = _open()
        data = export_subscriber(store, email)
    out.print(json.dumps(data, ensure_ascii=False, indent=2), markup=False)


@subscribers_app.command("delete")
def subscribers_delete(
    email: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    keep_suppression: Annotated[
        bool, typer.Option("--keep-suppression", help="Keep the address suppressed so no import brings it back.")
    ] = False,
) -> None:
    """Erase an address: subscriber, subscriptions, bounces, suppression; outbox history is anonymized."""
    from publisher.privacy import erase_subscriber

    if not yes:
        typer.confirm(f"Erase everything held about {email}?", abort=True, err=True)
    with _user_errors():
        _, store = _open()
        counts = erase_subscriber(store, email, keep_suppression=keep_suppression)
    out.print(", ".join(f"{n} {what}" for what, n in counts.items()), markup=False)


@subscribers_app.command("unsubscribe")
def subscribers_unsubscribe(
    email: str,
    list_name: Annotated[str | None, typer.Option("--list", help="Only this list (default: every list).")] = None,
) -> None:
    """Unsubscribe an address from one list or from all of them."""
    from publisher.consent import unsubscribe_address

    with _user_errors():
        _, store = _open()
        changed = unsubscribe_address(store, email, list_name)
    out.print(f"{changed} subscriptions ended")


@subscribers_app.command("purge-unconfirmed")
def subscribers_purge_unconfirmed(
    older_than_days: Annotated[float, typer.Option(help="Signups left unconfirmed this long are forgotten.")] = 7.0,
) -> None:
    """Forget signups that were never confirmed (run it daily, e.g. from cron)."""
    from datetime import timedelta

    from publisher.consent import purge_unconfirmed

    with _user_errors():
        _, store = _open()
        purged = purge_unconfirmed(store, timedelta(days=older_than_days))
    out.print(f"{purged} unconfirmed signups forgotten")


@subscribers_app.command("suppress")
def subscribers_suppress(
    emails: Annotated[list[str], typer.Argument(help="Addresses never to mail again.")],
    reason: Annotated[str, typer.Option(help="hard_bounce, soft_bounce, complaint or manual.")] = "manual",
    note: Annotated[str | None, typer.Option(help="Why, for the record.")] = None,
) -> None:
    """Put addresses on the global suppression list: they get no email from any list."""
    from publisher.suppression import suppress

    with _user_errors():
        addresses = [subscribers.normalize_address(e) for e in emails]
        _, store = _open()
        with store.session() as session:
            added = sum(suppress(session, a, reason, detail=note, source="cli") for a in addresses)
    out.print(f"{added} suppressed, {len(addresses) - added} already were")


@subscribers_app.command("unsuppress")
def subscribers_unsuppress(email: str) -> None:
    """Take an address off the suppression list (its subscriptions stay as they are)."""
    from publisher.suppression import unsuppress

    with _user_errors():
        _, store = _open()
        with store.session() as session:
            if not unsuppress(session, email):
                raise PublisherError(f"{email!r} is not on the suppression list")
    out.print(f"{email} is no longer suppressed", markup=False)


@subscribers_app.command("suppressions")
def subscribers_suppressions(
    reason: Annotated[str | None, typer.Option(help="Only this reason.")] = None,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.text,
) -> None:
    """The suppression list."""
    from publisher.suppression import list_suppressions

    _, store = _open()
    with store.session() as session:
        entries = list_suppressions(session, reason=reason)
    if format is Format.json:
        out.print(json.dumps([e.to_dict() for e in entries], ensure_ascii=False, indent=2), markup=False)
        return
    table = Table("email", "reason", "since", "detail")
    for e in entries:
        table.add_row(e.email, e.reason, e.created_at.strftime("%Y-%m-%d %H:%M"), e.detail or "")
    out.print(table)


@subscribers_app.command("bounces")
def subscribers_bounces(
    path: Annotated[Path, typer.Argument(help="A Maildir folder or an mbox file of bounce reports.")],
) -> None:
    """Read bounces, complaints and mailto unsubscribes from a mailbox; suppress hard bounces, count soft ones."""
    from publisher.bounces import ingest_mailbox

    with _user_errors():
        settings, store = _open()
        report = ingest_mailbox(store, settings, path)
    outcomes = ", ".join(f"{n} {what}" for what, n in sorted(report.outcomes.items())) or "no bounces"
    out.print(f"{outcomes}; {report.not_reports} messages were not bounce reports", markup=False)


# Campaign control (issue 4): pause, resume, cancel.
campaign_app = typer.Typer(help="Control a campaign: pause, resume, cancel.", no_args_is_help=True)
app.add_typer(campaign_app, name="campaign")


@campaign_app.command("pause")
def campaign_pause(campaign_id: int) -> None:
    """Pause a campaign: workers stop after the chunk they are sending."""
    with _user_errors():
        _, store = _open()
        campaigns.pause(store, campaign_id)
    out.print(f"campaign {campaign_id} paused")


@campaign_app.command("resume")
def campaign_resume(campaign_id: int) -> None:
    """Resume a paused campaign (after an operator's pause or too many connection failures)."""
    with _user_errors():
        settings, store = _open()
        count = campaigns.resume(store, settings, _dispatcher(settings), campaign_id)
    out.print(f"campaign {campaign_id} resumed: {count} batches dispatched")


@campaign_app.command("cancel")
def campaign_cancel(campaign_id: int) -> None:
    """Cancel a campaign: nothing more is sent; rows already in flight finish."""
    with _user_errors():
        _, store = _open()
        count = campaigns.cancel(store, campaign_id)
    out.print(f"campaign {campaign_id} cancelled: {count} messages will not be sent")


@campaign_app.command("reschedule")
def campaign_reschedule(
    campaign_id: int,
    at: Annotated[str, typer.Option("--at", help="The new time, ISO 8601 with its UTC offset.")],
) -> None:
    """Move a scheduled send to another time (before it has started)."""
    with _user_errors():
        _, store = _open()
        when = campaigns.reschedule(store, campaign_id, campaigns.parse_send_at(at))
    out.print(f"campaign {campaign_id} scheduled for {when:%Y-%m-%d %H:%M:%S} UTC")


# --- editor accounts for the web app (issue 7) ---

users_app = typer.Typer(help="Editor accounts for the web app, and their API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(
    username: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
    ] = False,
) -> None:
    """Create an editor who can log in to the web app (the password is asked for, or read from stdin)."""
    from publisher import editors

    with _user_errors():
        editors.check_username(username)
        password = _read_password(password_stdin)
        _, store = _open()
        editors.add_user(store, username, password)
    out.print(f"user {username!r} created")


@users_app.command("password")
def users_password(
    username: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
    ] = False,
) -> None:
    """Set a new password (every session of that user ends)."""
    from publisher import editors

    with _user_errors():
        password = _read_password(password_stdin)
        _, store = _open()
        editors.set_password(store, username, password)
    out.print(f"password of {username!r} changed")


@users_app.command("list")
def users_list() -> None:
    """List editor editors."""
    from publisher import editors

    _, store = _open()
    for editor in editors.list_users(store):
        out.print(editor.username, markup=False)


@users_app.command("token")
def users_token(
    username: str,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "cli",
) -> None:
    """Create an API token for the REST API; it is printed once and only its hash is kept."""
    from publisher import editors

    with _user_errors():
        _, store = _open()
        token = editors.create_token(store, username, name)
    out.print(token, markup=False)


def main() -> None:
    app(prog_name="publisher")


if __name__ == "__main__":
    sys.exit(main())
