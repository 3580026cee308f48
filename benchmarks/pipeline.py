"""The delivery part of `make bench` alone, repeated: smtp-source, then our pipeline, into the same smtp-sink.

`python -m benchmarks.pipeline [--runs 3] [--profile DIR]` sets up once (smtp-sink, a private PostgreSQL
database, redis-server, 20,000 subscribers), then runs the transport limit and the pipeline back to back
`--runs` times, printing each pair's ratio and the median: the machine is shared, so only ratios measured
in the same state mean anything. With --profile, py-spy records every worker pool process during each
pipeline run (DIR/run-N-pid.txt, collapsed stacks) and the busiest frames are printed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
from collections import Counter
from pathlib import Path

from benchmarks import delivery
from benchmarks.common import SEED
from publisher import importers, library
from publisher.config import Settings
from publisher.render.email import render_digest
from publisher.render.mime import MessageTemplate, Recipient


def digest_bytes(settings: Settings) -> int:
    """The size of one reader's message of the bench digest (what smtp-source sends per message)."""
    digest = render_digest([importers.load(SEED)], settings)
    template = MessageTemplate(
        digest, campaign_id=1, sender=settings.from_, base_url=settings.base_url, list_id="bench <bench.example>"
    )
    return len(template.build(Recipient(1, "reader1@example.com", "Reader 1", "token1")))


class Profiler:
    """py-spy on every pool process of a worker, from when it is ready until it stops."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.recorders: list[subprocess.Popen[bytes]] = []
        self.outputs: list[Path] = []
        self.run = 0

    def attach(self, worker: subprocess.Popen[bytes]) -> None:
        self.run += 1
        py_spy = shutil.which("py-spy") or str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "py-spy")
        children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split()
        for pid in children:
            out = self.directory / f"run-{self.run}-{pid}.txt"
            self.outputs.append(out)
            self.recorders.append(
                subprocess.Popen(
                    [
                        py_spy,
                        "record",
                        "--pid",
                        pid,
                        "--format",
                        "raw",
                        "--rate",
                        "100",
                        "--idle",
                        "--nonblocking",
                        "-o",
                        str(out),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )

    def finish(self) -> None:
        for recorder in self.recorders:
            recorder.wait(30)
        self.recorders.clear()

    def summary(self, top: int = 40) -> list[tuple[str, float]]:
        """The frames holding the most samples (inclusive) over every pool process, as shares of all samples."""
        inclusive: Counter[str] = Counter()
        total = 0
        for out in self.outputs:
            if not out.exists():
                continue
            for line in out.read_text().splitlines():
                stack, _, count = line.rpartition(" ")
                if not count.isdigit():
                    continue
                total += int(count)
                frames = stack.split(";")
                for frame in set(frames):
                    if "publisher/" in frame or frame is frames[-1]:
                        inclusive[frame] += int(count)
                inclusive["(leaf) " + frames[-1]] += int(count)
        return [(frame, round(n / max(total, 1), 3)) for frame, n in inclusive.most_common(top)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", type=Path, default=None, help="record the workers with py-spy into DIR")
    args = parser.parse_args()
    settings = Settings(base_url="https://news.example.org")
    size = digest_bytes(settings)
    profiler = Profiler(args.profile) if args.profile else None
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    ratios: list[float] = []
    with delivery._bench(settings) as bench:
        [(article_id, _)] = library.save_articles(bench.store, [importers.load(SEED)])
        delivery.seed_list(bench.store, "pipeline", delivery.PIPELINE_RECIPIENTS, 0)
        for run in range(1, args.runs + 1):
            transport = delivery.transport_limit(bench.port, size)
            attach = profiler.attach if profiler else None
            phases: dict[str, float] = {}
            ours = delivery.pipeline(bench.env, bench.store, bench.settings, article_id, bench.tmp, attach, phases)
            if profiler:
                profiler.finish()
            ratios.append(ours / transport)
            rates = f"transport {transport:,.0f} msg/s, pipeline {ours:,.0f} msg/s"
            print(f"run {run}: {rates}, ratio {ours / transport:.3f}; {phases}")
    print(
        json.dumps(
            {
                "pipeline_vs_transport_runs": [round(r, 3) for r in ratios],
                "pipeline_vs_transport_median": round(statistics.median(ratios), 3),
            }
        )
    )
    if profiler:
        for frame, share in profiler.summary():
            print(f"{share:6.1%}  {frame}")


if __name__ == "__main__":
    main()
