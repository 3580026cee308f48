"""Start-up cost of the `publisher` command (issue 10): `publisher --help` and `publisher status ID` on a
small SQLite database, each run as its own process; the best of a few runs, since the machine is shared.

Figures: wall time and CPU time (user + system of the child), per command. Peak RSS is left out: Linux
carries ru_maxrss over from this (large) parent across exec; measure it with `/usr/bin/time -f %M`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import ROOT, SEED
from publisher import campaigns, importers, library, subscribers
from publisher.config import Settings
from publisher.store import Store

RUNS = 5


def _small_database(settings: Settings) -> int:
    """One article, one subscriber and one campaign (not dispatched): what `status` reads."""
    store = Store(settings.resolved_database_url)
    try:
        [(article_id, _)] = library.save_articles(store, [importers.load(SEED)])
        subscribers.add_to_list(store, "bench", [subscribers.NewSubscriber("reader@example.org", "Reader")])
        return campaigns.create_email_campaign(store, settings, [article_id], "bench")
    finally:
        store.dispose()


def _measure(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall ms, CPU ms) of one run of `python -m publisher ARGV`."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "publisher", *argv], env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage
    wall = (time.perf_counter() - start) * 1000
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"publisher {' '.join(argv)} exited {process.returncode}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def run(settings: Settings, log: Callable[[str], object] = print) -> dict[str, float]:
    campaign_id = _small_database(settings)
    env = {
        **os.environ,
        "PUBLISHER_DATA_DIR": str(settings.data_dir),
        "PUBLISHER_DATABASE_URL": settings.resolved_database_url,
    }
    results: dict[str, float] = {}
    for name, argv in [("help", ["--help"]), ("status", ["status", str(campaign_id)])]:
        log(f"start-up: publisher {' '.join(argv)} x{RUNS} ...")
        runs = [_measure(argv, env) for _ in range(RUNS)]
        results[f"startup_{name}_wall_ms"] = round(min(r[0] for r in runs), 1)
        results[f"startup_{name}_cpu_ms"] = round(min(r[1] for r in runs), 1)
    return results


if __name__ == "__main__":  # `python -m benchmarks.startup`: this benchmark alone
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for key, value in run(Settings(data_dir=Path(tmp))).items():
            print(f"{key}: {value:,}")
