"""`publisher report ID [--format text|json|csv]`: what a campaign's mail or posts did (publisher.insight.report).

text: Rich tables (people first, machines beside them); json: the report's stable shape (documented in
publisher/insight/report.py); csv: one row per number or link, columns in publisher/insight/export.py.
"""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from publisher.cli.common import FormatOption, commands, out, services

if TYPE_CHECKING:  # pragma: no cover
    from publisher.insight.report import CampaignReport

top = commands()


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"


@top.command()
def report(
    ctx: typer.Context,
    campaign_id: Annotated[int, typer.Argument(metavar="ID", min=1, help="The campaign's id (`publisher status`).")],
    format: Annotated[ReportFormat, FormatOption] = ReportFormat.text,  # noqa: A002 - the option's name
) -> None:
    """A campaign's report: delivered, failed, bounced, complained, unsubscribed; opens and clicks of people
    and of machines (unique and total), per link, over time and by receiving domain; a share's posts with
    their likes, reposts and replies."""
    from publisher.insight.report import campaign_report  # lazy: start-up cost

    s = services(ctx)
    found = campaign_report(s.store, campaign_id, settings=s.settings)
    if format is ReportFormat.json:
        out.print(json.dumps(found.to_dict(), ensure_ascii=False, indent=2), markup=False)
    elif format is ReportFormat.csv:
        from publisher.insight.export import csv_rows  # lazy: start-up cost

        csv.writer(sys.stdout, lineterminator="\n").writerows(csv_rows(found))
    else:
        _print(found)


def _n(value: Any) -> str:  # noqa: ANN401 - a count or None
    return "" if value is None else f"{value:,}"


def _print(found: CampaignReport) -> None:
    data = found.to_dict()
    out.print(Text(f"Campaign {found.id} ({found.kind}): {found.subject}", style="bold"))
    share = found.kind == "share"
    mode = "" if share and found.mode == "off" else f", tracking mode {found.mode}"
    out.print(f"{found.state}, started {found.started_at:%Y-%m-%d %H:%M} UTC{mode}", markup=False)
    keys = ["delivered", "failed"] if share else ["delivered", "failed", "bounced", "complained", "unsubscribed"]
    summary = Table(*keys, title_justify="left")
    summary.add_row(*(_n(found.bounced if k == "bounced" else data[k]) for k in keys))
    out.print(summary)
    if not share:
        people = Table("", "people", "machines", "people, total", "machines, total", "machines were", title="Readers")
        for key in ("opens", "clicks"):
            c = data[key]
            about = "about " if c["estimated"] else ""
            why = ", ".join(f"{reason} {n:,}" for reason, n in c["reasons"].items())
            people.add_row(
                key, about + _n(c["human"]), about + _n(c["machine"]), _n(c["human_total"]), _n(c["machine_total"]), why
            )
        out.print(people)
    if data["links"]:
        links = Table("#", "link", "people", "machines", "people, total", "machines, total", title="Links")
        for link in data["links"]:
            numbers = (link[k] for k in ("human", "machine", "human_total", "machine_total"))
            shown = f"{link['channel']}: {link['url']}" if link.get("channel") else link["url"]
            links.add_row(str(link["position"]), shown, *(_n(n) for n in numbers))
        out.print(links)
    if data["domains"]:
        domains = Table(
            "domain", "delivered", "failed", "bounced", "opens (people)", "clicks (people)", title="Domains"
        )
        for d in data["domains"][:20]:
            counts = (d[k] for k in ("delivered", "failed", "bounced", "opens_human", "clicks_human"))
            domains.add_row(d["domain"], *(_n(n) for n in counts))
        out.print(domains)
    if data["posts"]:
        posts = Table("channel", "state", "where", "likes", "reposts", "replies", "counts", title="Posts")
        for p in data["posts"]:
            read = p["metrics_error"] or (f"read {p['read_at'][:16]}" if p["read_at"] else "not read yet")
            posts.add_row(
                p["channel"],
                p["state"],
                p["url"] or p["error"] or "",
                _n(p["likes"]),
                _n(p["reposts"]),
                _n(p["replies"]),
                read,
            )
        out.print(posts)
    for note in data["notes"].values():
        out.print(Text(f"· {note}", style="dim"))
