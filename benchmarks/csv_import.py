"""Child process of the scale benchmark: `publisher subscribers import FILE --list LIST --skip-bad`, in-process.

Run as `python -m benchmarks.csv_import FILE LIST` with PUBLISHER_DATABASE_URL set; prints
{"seconds": ..., "peak_rss_mb": ...} as JSON on its last line. Its own process, so its peak RSS is its own.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time

from benchmarks.rss import peak_rss_mb
from publisher.cli import app


def main() -> None:
    path, list_name = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    try:
        app(["subscribers", "import", path, "--list", list_name, "--skip-bad"], prog_name="publisher")
    except SystemExit as exc:
        if exc.code:
            raise
    seconds = time.perf_counter() - start
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    print(json.dumps({"seconds": round(seconds, 2), "peak_rss_mb": round(peak_rss_mb(), 1)}))


if __name__ == "__main__":
    main()
