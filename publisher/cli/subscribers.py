"""`publisher subscribers ...`: lists, imports and exports, consent and privacy, the suppression list, bounces."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from publisher.cli.common import Format, FormatOption, err, group, out, services
from publisher.errors import PublisherError

if TYPE_CHECKING:  # pragma: no cover
    from publisher.bounces.stats import BounceSummary
    from publisher.subscribers import AddReport

subscribers_app = group("Lists and subscribers.")

ListOption = typer.Option("--list", help="The list (created if needed).")
AllowSuppressed = typer.Option("--allow-suppressed", help="Add suppressed addresses too, lifting their suppression.")


@subscribers_app.command("add")
def subscribers_add(
    ctx: typer.Context,
    emails: Annotated[list[str], typer.Argument(help="Addresses to add.")],
    list_name: Annotated[str, ListOption] = "default",
    name: Annotated[str, typer.Option(help="Display name for these subscribers.")] = "",
    allow_suppressed: Annotated[bool, AllowSuppressed] = False,
) -> None:
    """Add subscribers to a list; every address is checked first, and one bad address adds nothing."""
    from publisher import subscribers  # lazy: start-up cost

    people = subscribers.parse_addresses(emails, name=name)
    report = subscribers.add_to_list(
        services(ctx).store, list_name, people, allow_suppressed=allow_suppressed, welcome=True
    )
    _report_suppressed(report)
    out.print(f"{report.added} added to {list_name!r}, {report.already} already there")


@subscribers_app.command("import")
def subscribers_import(
    ctx: typer.Context,
    file: Path,
    list_name: Annotated[str, ListOption] = "default",
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Import the good rows even if some are bad.")] = False,
    allow_suppressed: Annotated[
        bool, typer.Option("--allow-suppressed", help="Import suppressed addresses too, lifting their suppression.")
    ] = False,
) -> None:
    """Import subscribers from a CSV with an `email` column (and optional `name`)."""
    from publisher import subscribers  # lazy: start-up cost
    from publisher.progress import bar  # lazy: start-up cost
    from publisher.subscriber_import import import_people  # lazy: start-up cost

    if not file.is_file():
        raise PublisherError(f"{file}: no such file")
    rows = subscribers.CsvRows(file)  # streamed into the store: a million rows never sit in memory at once

    def refuse_bad_rows() -> None:  # every row is read by now, and nothing is written yet
        if rows.problems and not skip_bad:
            raise _BadRows

    store = services(ctx).store
    added: AddReport | None = None
    with bar(err) as progress:
        task = progress.add_task("importing", total=None)
        try:
            added = import_people(
                store,
                list_name,
                rows,
                source=f"csv:{file.name}",
                progress=lambda n: progress.advance(task, n),
                allow_suppressed=allow_suppressed,
                check=refuse_bad_rows,
            )
        except _BadRows:
            pass
    for problem in rows.errors:
        err.print(f"{file}:{problem}", markup=False)
    if added is None:
        raise PublisherError(f"{len(rows.problems)} bad rows in {file}; nothing imported (use --skip-bad)")
    _report_suppressed(added)
    out.print(f"{added.added} added to {list_name!r}, {added.already} already there, {len(rows.problems)} skipped")


class _BadRows(Exception):
    """The CSV has bad rows and --skip-bad was not given: the import's transaction is rolled back."""


def _report_suppressed(report: AddReport) -> None:
    for address in report.suppressed:
        err.print(f"{address}: on the suppression list, not added (use --allow-suppressed)", markup=False)
    if report.suppressed:
        err.print(f"{len(report.suppressed)} suppressed addresses left out", markup=False)


@subscribers_app.command("lists")
def subscribers_lists(ctx: typer.Context, format: Annotated[Format, FormatOption] = Format.text) -> None:
    """Every list with its subscription counts per status."""
    from publisher import subscribers  # lazy: start-up cost

    lists = subscribers.list_overview(services(ctx).store)
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
    ctx: typer.Context,
    list_name: Annotated[str, typer.Option("--list", help="The list to export.")] = "default",
    status: Annotated[str | None, typer.Option(help="Only this status (active, unsubscribed, ...).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Export a list as CSV: email, name, status, source, dates, then one column per attribute."""
    from publisher import subscribers  # lazy: start-up cost

    store = services(ctx).store
    if output is None:
        count = subscribers.export_csv(store, list_name, sys.stdout, status=status)
    else:
        tmp = output.with_name(f".{output.name}.partial")
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            count = subscribers.export_csv(store, list_name, handle, status=status)
        tmp.replace(output)  # a half-written export never sits under the real name
    err.print(f"{count} subscribers exported from {list_name!r}")


@subscribers_app.command("show")
def subscribers_show(ctx: typer.Context, email: str) -> None:
    """Everything held about one address, as JSON (for a data access request)."""
    from publisher.privacy import export_subscriber  # lazy: start-up cost

    data = export_subscriber(services(ctx).store, email)
    out.print(json.dumps(data, ensure_ascii=False, indent=2), markup=False)


@subscribers_app.command("delete")
def subscribers_delete(
    ctx: typer.Context,
    email: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    keep_suppression: Annotated[
        bool, typer.Option("--keep-suppression", help="Keep the address suppressed so no import brings it back.")
    ] = False,
) -> None:
    """Erase an address: subscriber, subscriptions, bounces, suppression; outbox history is anonymized."""
    from publisher.privacy import erase_subscriber  # lazy: start-up cost

    if not yes:
        typer.confirm(f"Erase everything held about {email}?", abort=True, err=True)
    counts = erase_subscriber(services(ctx).store, email, keep_suppression=keep_suppression)
    out.print(", ".join(f"{n} {what}" for what, n in counts.items()), markup=False)


@subscribers_app.command("unsubscribe")
def subscribers_unsubscribe(
    ctx: typer.Context,
    email: str,
    list_name: Annotated[str | None, typer.Option("--list", help="Only this list (default: every list).")] = None,
) -> None:
    """Unsubscribe an address from one list or from all of them."""
    from publisher.consent import unsubscribe_address  # lazy: start-up cost

    changed = unsubscribe_address(services(ctx).store, email, list_name)
    out.print(f"{changed} subscriptions ended")


@subscribers_app.command("purge-unconfirmed")
def subscribers_purge_unconfirmed(
    ctx: typer.Context,
    older_than_days: Annotated[float, typer.Option(help="Signups left unconfirmed this long are forgotten.")] = 7.0,
) -> None:
    """Forget signups that were never confirmed (run it daily, e.g. from cron)."""
    from datetime import timedelta

    from publisher.consent import purge_unconfirmed  # lazy: start-up cost

    purged = purge_unconfirmed(services(ctx).store, timedelta(days=older_than_days))
    out.print(f"{purged} unconfirmed signups forgotten")


@subscribers_app.command("suppress")
def subscribers_suppress(
    ctx: typer.Context,
    emails: Annotated[list[str], typer.Argument(help="Addresses never to mail again.")],
    reason: Annotated[str, typer.Option(help="hard_bounce, soft_bounce, complaint or manual.")] = "manual",
    note: Annotated[str | None, typer.Option(help="Why, for the record.")] = None,
) -> None:
    """Put addresses on the global suppression list: they get no email from any list."""
    from publisher import subscribers  # lazy: start-up cost
    from publisher.suppression import suppress  # lazy: start-up cost

    addresses = [subscribers.normalize_address(e) for e in emails]
    with services(ctx).store.session() as session:
        added = sum(suppress(session, a, reason, detail=note, source="cli") for a in addresses)
    out.print(f"{added} suppressed, {len(addresses) - added} already were")


@subscribers_app.command("unsuppress")
def subscribers_unsuppress(ctx: typer.Context, email: str) -> None:
    """Take an address off the suppression list (its subscriptions stay as they are)."""
    from publisher.suppression import unsuppress  # lazy: start-up cost

    with services(ctx).store.session() as session:
        if not unsuppress(session, email):
            raise PublisherError(f"{email!r} is not on the suppression list")
    out.print(f"{email} is no longer suppressed", markup=False)


@subscribers_app.command("suppressions")
def subscribers_suppressions(
    ctx: typer.Context,
    reason: Annotated[str | None, typer.Option(help="Only this reason.")] = None,
    format: Annotated[Format, FormatOption] = Format.text,
) -> None:
    """The suppression list."""
    from publisher.suppression import list_suppressions  # lazy: start-up cost

    with services(ctx).store.session() as session:
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
    ctx: typer.Context,
    path: Annotated[
        Path | None, typer.Argument(help="A Maildir folder or an mbox file of bounce reports to read.")
    ] = None,
    report: Annotated[
        bool, typer.Option("--report", help="Show the bounces read so far: alarms, per campaign, per domain.")
    ] = False,
    campaign: Annotated[int | None, typer.Option("--campaign", help="The report for this campaign id only.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="The report from then on: 7d, 12h, 2w or a date (2026-11-01).")
    ] = None,
    format: Annotated[Format, FormatOption] = Format.text,
) -> None:
    """Read bounces, complaints and mailto unsubscribes from a mailbox (suppress hard bounces, count soft
    ones), and/or --report what the bounces read so far say: sender-side alarms first, then per campaign
    and per receiving domain, counts by reason."""
    if not report and (campaign is not None or since is not None or format is not Format.text):
        raise PublisherError("--campaign, --since and --format go with --report")
    if path is None and not report:
        raise PublisherError("give a mailbox PATH to read, or --report to see the bounces read so far (or both)")
    s = services(ctx)
    if path is not None:
        from publisher.bounces import ingest_mailbox  # lazy: start-up cost

        read = ingest_mailbox(s.store, s.settings, path)
        outcomes = ", ".join(f"{n} {what}" for what, n in sorted(read.outcomes.items())) or "no bounces"
        (err if report else out).print(f"{outcomes}; {read.not_reports} messages were not bounce reports", markup=False)
    if report:
        from publisher.bounces.stats import bounce_report, parse_since  # lazy: start-up cost

        when = parse_since(since)  # before the database: a bad --since costs nothing
        if campaign is not None and campaign < 1:
            raise PublisherError(f"--campaign {campaign}: a campaign id is a positive number")
        with s.store.read_session() as session:
            summary = bounce_report(session, s.settings, since=when, campaign_id=campaign)
        if format is Format.json:
            out.print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2), markup=False)
        else:
            _print_bounce_report(summary)


def _print_bounce_report(summary: BounceSummary) -> None:
    """Rich tables: the alarms first, in red (passed) or yellow (near), then campaigns, domains, totals."""
    from publisher.bounces.reasons import label_of  # lazy: start-up cost
    from publisher.bounces.stats import KIND_WORDS, reason_words  # lazy: start-up cost

    def reasons(counts: dict[str, int], top: int = 3) -> str:
        shown = ", ".join(f"{label_of(r)} {n:,}" for r, n in list(counts.items())[:top])
        return shown + (f", {len(counts) - top} more" if len(counts) > top else "")

    scope = f"campaign {summary.campaign_id}" if summary.campaign_id else "all campaigns"
    since = f" since {summary.since:%Y-%m-%d %H:%M} UTC" if summary.since else ""
    out.print(Text(f"Bounces of {scope}{since}: {summary.total:,}", style="bold"))
    for alarm in summary.alarms:
        style = "bold red" if alarm.level == "passed" else "bold yellow"
        what = "PAUSED" if alarm.paused else ("ALARM" if alarm.level == "passed" else "near the alarm")
        line = Text(f"{what}: campaign {alarm.campaign_id} ", style=style)
        line.append(repr(alarm.subject), style=style)
        line.append(f" ({alarm.alarm.count} of {alarm.threshold} sender-side bounces that pause it): ", style=style)
        line.append(alarm.describe())
        if alarm.paused:
            line.append(f"; resume it with `publisher campaign resume {alarm.campaign_id}` once the sender is fixed")
        out.print(line)
    if not summary.total:
        out.print("No bounces.")
        return
    kinds = list(KIND_WORDS)
    table = Table("campaign", "subject", "state", title="Per campaign", title_justify="left")
    for name in ("sent", "bounces", *(KIND_WORDS[k] for k in kinds)):
        table.add_column(name, justify="right")
    table.add_column("reasons")
    for row in summary.campaigns:
        counts = (f"{n:,}" for n in (row.sent, row.total, *(row.by_kind.get(k, 0) for k in kinds)))
        table.add_row(str(row.id), Text(row.subject), row.state, *counts, reasons(row.by_reason))
    if summary.more_campaigns:
        table.caption = f"and {summary.more_campaigns:,} older campaigns with bounces (use --campaign ID)"
    out.print()
    out.print(table)
    table = Table("domain", title="Per receiving domain", title_justify="left")
    table.add_column("bounces", justify="right")
    table.add_column("reasons")
    table.add_column("latest diagnostic of the top reason")
    for domain in summary.domains:
        table.add_row(
            Text(domain.domain), f"{domain.total:,}", reasons(domain.by_reason), Text(domain.top_diagnostic or "")
        )
    if summary.more_domains:
        table.caption = f"and {summary.more_domains:,} more domains"
    out.print()
    out.print(table)
    table = Table("reason", title="Totals by reason", title_justify="left")
    table.add_column("bounces", justify="right")
    for reason, n in summary.by_reason.items():
        table.add_row(reason_words(reason), f"{n:,}")
    out.print()
    out.print(table)
