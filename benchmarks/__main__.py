"""`make bench`: run every benchmark, print a table, write benchmarks/results.json."""

from __future__ import annotations

import json
import os
import sys
import tempfile

from rich.console import Console
from rich.table import Table

from benchmarks import delivery, public_endpoints, render, scale, startup
from benchmarks.common import RESULTS
from publisher.config import Settings


def main() -> None:
    console = Console(stderr=True)
    try:
        delivery.check_tools()
    except delivery.Missing as exc:
        console.print(f"[bold red]cannot run the delivery benchmark:[/] {exc}")
        sys.exit(2)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("PUBLISHER_SECRET_KEY", "bench")
        settings = Settings(data_dir=tmp, base_url="https://news.example.org")
        results: dict[str, float] = {}
        results.update(startup.run(settings, log=console.print))
        console.print("per-recipient MIME build vs the naive render ...")
        results.update(render.run(settings))
        results.update(delivery.run(settings, int(results["digest_bytes"]), log=console.print))
        results.update(scale.run(settings, log=console.print))  # ten million readers (issue 17)
    for figure, target, met in scale.verdicts(results):
        console.print(f"{figure}: {results[figure]:,} (target {target}) {'met' if met else '[bold red]MISSED[/]'}")
    console.print(f"outbox_mb_per_million_rows: {results['outbox_mb_per_million_rows']:,}")
    try:  # the public endpoints under a burst (issue 17): needs wrk
        results.update(public_endpoints.run(log=console.print))
        for figure, target, met in public_endpoints.verdicts(results):
            console.print(f"{figure}: {results[figure]:,} (target {target}) {'met' if met else '[bold red]MISSED[/]'}")
    except public_endpoints.Missing as exc:
        console.print(f"[bold red]skipped the public endpoints benchmark:[/] {exc}")
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    table = Table("figure", "value", title=f"benchmarks (written to {RESULTS})")
    for key, value in results.items():
        table.add_row(key, f"{value:,}")
    Console().print(table)


if __name__ == "__main__":
    main()
