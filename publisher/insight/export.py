"""A report as CSV rows: one row per number or link, the same columns for all (`publisher report ID --format csv`).

Columns (COLUMNS):

    section        summary | bounce reason | opens | clicks | open machines | click machines | link |
                   timeline opens | timeline clicks | domain | domain opens | domain clicks | post
    name           what the row counts: "delivered", a bounce reason, a machine reason, a link's URL, a
                   bucket's start (ISO 8601, UTC), a domain, a post's channel
    position       a link's position in the message (empty otherwise)
    value          the number of a summary, bounce reason or machine reason row; a domain's delivered
    human,machine  unique readers (opens, clicks, link rows) or events (timeline and domain rows)
    human_total,machine_total   events (opens, clicks and link rows)
    detail         opens and clicks: "exact", "estimated" (mode aggregate) or "not tracked" (mode off);
                   a bucket's span; a domain's "failed/bounced";
                   a post's URL and counts
"""

from __future__ import annotations

from typing import Any

from publisher.insight.report import CampaignReport

COLUMNS = ["section", "name", "position", "value", "human", "machine", "human_total", "machine_total", "detail"]


def _row(section: str, name: str, **values: Any) -> list[Any]:  # noqa: ANN401 - a cell
    return [section, name, *(values.get(column, "") for column in COLUMNS[2:])]


def csv_rows(report: CampaignReport) -> list[list[Any]]:
    """The header, then every number of the report."""
    data = report.to_dict()
    rows = [COLUMNS]
    for name in ("delivered", "failed", "complained", "unsubscribed"):
        rows.append(_row("summary", name, value=data[name]))
    rows.append(_row("summary", "bounced", value=data["bounced"]["total"]))
    rows.append(_row("summary", "mode", detail=data["mode"]))
    rows += [_row("bounce reason", reason, value=n) for reason, n in data["bounced"]["by_reason"].items()]
    for key, section in (("opens", "open"), ("clicks", "click")):
        counts = data[key]
        detail = "not tracked" if data["mode"] == "off" else "estimated" if counts["estimated"] else "exact"
        numbers = {k: counts[k] for k in ("human", "machine", "human_total", "machine_total")}
        rows.append(_row(key, "readers", detail=detail, **numbers))
        rows += [_row(f"{section} machines", reason, value=n) for reason, n in counts["reasons"].items()]
    for link in data["links"]:
        numbers = {k: link[k] for k in ("position", "human", "machine", "human_total", "machine_total")}
        rows.append(_row("link", link["url"], **numbers))
    for bucket in data["timeline"]:
        for key in ("opens", "clicks"):
            human, machine = bucket[f"{key}_human"], bucket[f"{key}_machine"]
            rows.append(_row(f"timeline {key}", bucket["start"], human=human, machine=machine, detail=bucket["span"]))
    for domain in data["domains"]:
        detail = f"failed {domain['failed']}, bounced {domain['bounced']}"
        rows.append(_row("domain", domain["domain"], value=domain["delivered"], detail=detail))
        for key in ("opens", "clicks"):
            human, machine = domain[f"{key}_human"], domain[f"{key}_machine"]
            rows.append(_row(f"domain {key}", domain["domain"], human=human, machine=machine))
    for post in data["posts"]:
        counts = ", ".join(f"{k} {post[k]}" for k in ("likes", "reposts", "replies") if post[k] is not None)
        detail = " · ".join(
            part for part in (post["url"] or post["error"] or "", counts, post["metrics_error"]) if part
        )
        rows.append(_row("post", post["channel"], detail=f"{post['state']}: {detail}"))
    return rows
