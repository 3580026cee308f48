"""The editor's report page of a campaign (issue 15): the numbers, SVG charts with a table below each.

Read-only (publisher.insight.report); every request reads the counts afresh, so a reload shows new ones.
People come first and machines beside them; the charts are drawn here (publisher.web.charts).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup

from publisher.bounces.stats import reason_words
from publisher.insight.report import CampaignReport, campaign_report
from publisher.web.charts import Series, bar_chart
from publisher.web.deps import DbId, get_services, page
from publisher.web.security import Editor, require_editor

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)])

SERIES = (("human", "people"), ("machine", "machines"))


def _label(bucket: dict[str, Any]) -> str:
    start = bucket["start"]
    return f"{start[11:13]}h" if bucket["span"] == "hour" else f"{start[5:7]}-{start[8:10]}"


def _over_time(data: dict[str, Any], key: str, what: str) -> Markup | None:
    """Opens (or clicks) per hour, then per day: people and machines side by side."""
    buckets = data["timeline"]
    if not buckets:
        return None
    series = [Series(name, css, [b[f"{key}_{css}"] for b in buckets]) for css, name in SERIES]
    people, machines = (sum(s.values) for s in series)
    desc = (
        f"{what} per hour for the first 48 hours after the campaign started, then per day, from "
        f"{buckets[0]['start'][:16].replace('T', ' ')} UTC: {people:,} by people and {machines:,} by machines "
        "in all. The table below the chart has every number."
    )
    return bar_chart(f"chart-{key}", f"{what} over time", desc, [_label(b) for b in buckets], series, label_every=6)


def _per_link(data: dict[str, Any]) -> Markup | None:
    links = data["links"]
    if not links:
        return None
    series = [Series(name, css, [link[css] for link in links]) for css, name in SERIES]
    desc = (
        f"Readers who clicked each of the {len(links)} links of the message, by its number: people and machines "
        "side by side. The table below the chart names each link."
    )
    labels = [link.get("channel") or f"#{link['position'] + 1}" for link in links]  # a share's: its posts' channels
    return bar_chart("chart-links", "Clicks per link", desc, labels, series)


def report_context(found: CampaignReport) -> dict[str, Any]:
    data = found.to_dict()
    return {
        "report": found,
        "data": data,
        "charts": {
            "opens": _over_time(data, "opens", "Opens"),
            "clicks": _over_time(data, "clicks", "Clicks"),
            "links": _per_link(data),
        },
        "reason_words": reason_words,
    }


@router.get("/campaigns/{campaign_id}/report")
def report_page(campaign_id: DbId, request: Request, ctx: Editor) -> Response:
    services = get_services(request)
    found = campaign_report(services.store, campaign_id, settings=services.settings)
    return page(request, "editor/report.html.j2", {"ctx": ctx, **report_context(found)})
