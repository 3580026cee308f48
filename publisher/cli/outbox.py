"""`publisher outbox compact`: finished mail campaigns' delivery rows compacted into their totals (issue 17)."""

from __future__ import annotations

import json
from functools import partial
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from publisher.cli.common import Format, FormatOption, err, group, out, services

outbox_app = group("The outbox: delivery rows of finished campaigns, compacted after the retention.")


@outbox_app.command("compact")
def outbox_compact(
    ctx: typer.Context,
    older_than: Annotated[
        float | None,
        typer.Option(
            "--older-than",
            min=0,
            metavar="DAYS",
            help="Campaigns finished at least this many days ago (default: PUBLISHER_OUTBOX_RETENTION_DAYS).",
        ),
    ] = None,
    campaign: Annotated[
        list[int] | None,
        typer.Option(
            "--campaign", min=1, metavar="ID", help="Only this finished campaign, whatever its age (repeatable)."
        ),
    ] = None,
    format: Annotated[Format, FormatOption] = Format.text,  # noqa: A002 - the option's name
) -> None:
    """Compact finished digests' outbox rows: their counts and report figures are kept, the rows per reader go.

    Safe to interrupt and to run again (the workers' sweep does the same every PUBLISHER_SWEEP_SECONDS).
    """
    from publisher.insight import retention  # lazy: start-up cost
    from publisher.store.models import utcnow

    s = services(ctx)
    if campaign:
        ids = list(dict.fromkeys(campaign))
    else:
        days = s.settings.outbox_retention_days if older_than is None else older_than
        if older_than is None and days == 0:
            err.print("PUBLISHER_OUTBOX_RETENTION_DAYS is 0: rows are kept for ever (--older-than DAYS compacts)")
            ids = []
        else:
            ids = retention.due(s.store, now=utcnow(), older_than_days=days)
    done: list[retention.Compacted] = []
    with Progress(
        TextColumn("campaign {task.fields[campaign]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=format is Format.json or not err.is_terminal,
    ) as progress:
        for campaign_id in ids:
            task = progress.add_task("", total=retention.rows_of(s.store, campaign_id) or None, campaign=campaign_id)
            result = retention.compact(s.store, campaign_id, on_rows=partial(progress.advance, task))
            if result is None:
                err.print(f"campaign {campaign_id} is being compacted by another process; skipped")
            else:
                done.append(result)
    if format is Format.json:
        rows = [{"campaign": c.campaign_id, "rows": c.rows, "partition": c.partition} for c in done]
        out.print(json.dumps(rows, indent=2), markup=False)
        return
    if not done:
        out.print("nothing to compact")
        return
    table = Table("campaign", "rows dropped", "how", title="Compacted", title_justify="left")
    for c in done:
        table.add_row(str(c.campaign_id), f"{c.rows:,}", "partition dropped" if c.partition else "deleted")
    out.print(table)
    out.print(f"{len(done)} campaign(s), {sum(c.rows for c in done):,} rows", markup=False)
