"""`make bench`: run every benchmark, print a table and issue 17's targets, write benchmarks/results.json.

BENCH_PARTS (comma-separated: startup, render, delivery, scale, retention, web) runs only those parts.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

from rich.console import Console
from rich.table import Table

from benchmarks import delivery, outbox_retention, public_endpoints, render, scale, startup, targets
from benchmarks.common import RESULTS
from publisher.config import Settings

PARTS = ("startup", "render", "delivery", "scale", "retention", "web")


def main() -> None:
    console = Console(stderr=True)
    wanted = {p.strip() for p in os.environ.get("BENCH_PARTS", ",".join(PARTS)).split(",") if p.strip()}
    if unknown := wanted - set(PARTS):
        console.print(f"[bold red]BENCH_PARTS names no such part:[/] {', '.join(sorted(unknown))} (parts: {PARTS})")
        sys.exit(2)
    try:
        delivery.check_tools()
    except delivery.Missing as exc:
        console.print(f"[bold red]cannot run the delivery benchmark:[/] {exc}")
        sys.exit(2)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("PUBLISHER_SECRET_KEY", "bench")
        settings = Settings(data_dir=tmp, base_url="https://news.example.org")
        if "startup" in wanted:
            results.update(startup.run(settings, log=console.print))
        if wanted & {"render", "delivery"}:
            console.print("per-recipient MIME build vs the naive render ...")
            results.update(render.run(settings))
        if "delivery" in wanted:
            results.update(delivery.run(settings, int(results["digest_bytes"]), log=console.print))
        if "scale" in wanted:
            results.update(scale.run(settings, log=console.print))  # ten million readers (issue 17)
    if "retention" in wanted:  # a finished 1M-row campaign dropped as a partition vs a plain DELETE
        results.update(outbox_retention.run(log=console.print))
        console.print(outbox_retention.baseline(results))
    if "web" in wanted:
        try:  # the public endpoints under a burst (issue 17): needs wrk
            results.update(public_endpoints.run(log=console.print))
        except public_endpoints.Missing as exc:
            console.print(f"[bold red]skipped the public endpoints benchmark:[/] {exc}")
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    table = Table("figure", "value", title=f"benchmarks (written to {RESULTS})")
    for key, value in results.items():
        table.add_row(key, f"{value:,}")
    Console().print(table)
    console.print("[bold]issue 17's targets[/]")
    for line in targets.lines(results):
        console.print(line.replace("MISSED", "[bold red]MISSED[/]"))


if __name__ == "__main__":
    main()
