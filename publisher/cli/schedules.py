"""`publisher schedules add|list|pause|resume|remove|run-due|cadences`: recurring digests (issue 16)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from publisher.cli.common import Format, FormatOption, group, out, services

if TYPE_CHECKING:  # pragma: no cover
    from publisher.automation.recurring import ScheduleView

schedules_app = group("Recurring digests: a list's schedule, its runs, and the cadences its readers may choose.")


def _show(view: ScheduleView) -> str:
    cadence = f" cadence {view.cadence}" if view.cadence else ""
    return f"{view.id}\t{view.list_name}\t{view.spec} ({view.zone}){cadence}\tnext: {view.when}"


@schedules_app.command("add")
def schedules_add(
    ctx: typer.Context,
    list_name: Annotated[str, typer.Argument(metavar="LIST", help="The list the digest goes to.")],
    spec: Annotated[
        str,
        typer.Argument(
            help='When: "every friday 08:00", "daily 07:00", "weekdays 06:30", "first monday of the month 09:00", '
            'or "each article" (readers of the cadence instant).'
        ),
    ],
    tz: Annotated[
        str | None,
        typer.Option("--tz", help="An IANA time zone, e.g. Europe/Berlin (default PUBLISHER_SCHEDULE_TIMEZONE)."),
    ] = None,
    cadence: Annotated[
        str | None,
        typer.Option("--cadence", help="Mail only readers of this cadence: daily or weekly (default: every reader)."),
    ] = None,
    subject: Annotated[
        str, typer.Option("--subject", help="Subject template with {date}, {date:%d %B}, {count}, {first_title}.")
    ] = "",
    full: Annotated[
        bool | None,
        typer.Option("--full/--summaries", help="Articles in full or as summaries (default: full for one)."),
    ] = None,
    preheader: Annotated[str | None, typer.Option("--preheader", help="The preview text after the subject.")] = None,
    no_share: Annotated[
        bool, typer.Option("--no-share", help="Do not auto-share (PUBLISHER_SHARE_ON_DIGEST).")
    ] = False,
) -> None:
    """Add a recurring digest: each run mails the articles published since the previous one, or is skipped."""
    from publisher.automation import recurring  # lazy: start-up cost

    s = services(ctx)
    options: dict[str, object] = {"full": full, "preheader": preheader}
    if no_share:
        options["auto_share"] = False
    view = recurring.add_schedule(
        s.store,
        list_name,
        spec,
        tz,
        cadence=cadence,
        subject_template=subject,
        options=options,
        default_tz=s.settings.schedule_timezone,
        now=s.clock.now(),
    )
    out.print(_show(view), markup=False)


@schedules_app.command("list")
def schedules_list(ctx: typer.Context, format: Annotated[Format, FormatOption] = Format.text) -> None:
    """Every schedule: id, list, spec and zone, next run (in its zone and UTC), and its latest runs."""
    from publisher.automation import recurring  # lazy: start-up cost

    views = recurring.list_schedules(services(ctx).store)
    if format is Format.json:
        out.print(json.dumps([v.to_dict() for v in views], indent=2), markup=False)
        return
    if not views:
        out.print("no recurring digests", markup=False)
    for view in views:
        out.print(_show(view), markup=False)
        for run in view.runs:
            campaign = f" campaign {run.campaign_id}" if run.campaign_id else ""
            out.print(f"  {run.due_at:%Y-%m-%d %H:%M} UTC {run.outcome}{campaign} {run.detail}".rstrip(), markup=False)


@schedules_app.command("pause")
def schedules_pause(ctx: typer.Context, schedule_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Stop a schedule's runs until resumed."""
    from publisher.automation import recurring  # lazy: start-up cost

    out.print(_show(recurring.pause(services(ctx).store, schedule_id)), markup=False)


@schedules_app.command("resume")
def schedules_resume(ctx: typer.Context, schedule_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Run again from the next due time; what was published meanwhile goes into that run."""
    from publisher.automation import recurring  # lazy: start-up cost

    s = services(ctx)
    out.print(_show(recurring.resume(s.store, schedule_id, now=s.clock.now())), markup=False)


@schedules_app.command("remove")
def schedules_remove(ctx: typer.Context, schedule_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Delete a schedule and its runs (campaigns it sent stay)."""
    from publisher.automation import recurring  # lazy: start-up cost

    recurring.remove(services(ctx).store, schedule_id)
    out.print(f"schedule {schedule_id} removed", markup=False)


@schedules_app.command("run-due")
def schedules_run_due(ctx: typer.Context) -> None:
    """One sweep of the recurring digests now, as a worker's periodic sweep does; prints how many ran."""
    from publisher.automation import recurring  # lazy: start-up cost

    s = services(ctx)
    ran = recurring.run_due(s, now=s.clock.now())
    out.print(f"{ran} digest run{'s' if ran != 1 else ''}", markup=False)


@schedules_app.command("cadences")
def schedules_cadences(
    ctx: typer.Context,
    list_name: Annotated[
        str | None, typer.Argument(metavar="LIST", help="The list (omit to show every list's).")
    ] = None,
    allow: Annotated[
        str | None, typer.Option("--allow", help='What readers may choose, e.g. "daily,weekly" ("" for no choice).')
    ] = None,
    default: Annotated[str | None, typer.Option("--default", help="The cadence of a reader who chose none.")] = None,
) -> None:
    """Show or set the cadences a list's readers may choose on the preferences page (instant, daily, weekly)."""
    from publisher.automation import recurring  # lazy: start-up cost

    s = services(ctx)
    if list_name is not None and (allow is not None or default is not None):
        recurring.set_list_cadences(s.store, list_name, (allow or "").split(","), default)
    for name, cadences, chosen in recurring.list_cadences(s.store):
        if list_name is None or name == list_name:
            out.print(
                f"{name}\t{','.join(cadences) if cadences else 'no choice'}\tdefault {chosen or 'none'}", markup=False
            )
