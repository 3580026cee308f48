"""The median of several `make bench` runs: `python -m benchmarks.median run1.json run2.json run3.json`.

Prints each figure's median with its runs, then every target of issue 17 judged on the medians.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

from benchmarks import targets


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    """Per figure, the median over the runs that measured it."""
    keys = {key for run in runs for key in run}
    return {key: round(statistics.median(run[key] for run in runs if key in run), 3) for key in sorted(keys)}


def main(paths: list[str]) -> None:
    runs = [json.loads(Path(path).read_text()) for path in paths]
    middle = medians(runs)
    for key, value in middle.items():
        each = ", ".join(f"{run[key]:,}" if key in run else "-" for run in runs)
        print(f"{key}: {value:,} ({each})")
    print()
    print("\n".join(targets.lines(middle)))


if __name__ == "__main__":
    main(sys.argv[1:])
