"""The public endpoints under a burst (issue 17): the open pixel and the click redirect as a large campaign's
readers' mail privacy proxies and link scanners hit them, and the signup POST meanwhile.

Served as production serves them: `uvicorn --factory publisher.web:create_app --workers N` on PostgreSQL,
tracking in mode aggregate (an event row per open or click, deduplicated), loaded by wrk (Debian's) with a
Lua script that walks real tokens of real readers of one sent campaign. Targets: each at least 2,000
requests/s with p99 under 50 ms and no error; the signup POST keeps answering (its p99 under the load).
The baseline, measured in the same run: a static file served by the same app and workers (no store).

Run alone with `python -m benchmarks.public_endpoints`; `make bench` runs it when wrk is installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from sqlalchemy import select

from benchmarks import targets
from benchmarks.common import SEED
from benchmarks.delivery import _free_port, _wait_port, private_postgres, seed_list
from publisher import campaigns, importers, library
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import OutboxRow, TrackedLink
from publisher.tracking_tokens import MessageTokens, TokenSigner

READERS = 20_000  # tokens of this many readers: every request is a new (reader, link), as after a campaign
WEB_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_WRK_CONNECTIONS", "32"))
SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))
SERVER_PIDS: list[int] = []  # the running web server's (its workers' CPU time is read from /proc)

# wrk's Lua: each request takes the next path of the file, so no token repeats until the file is done.
_WALK = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


class Missing(RuntimeError):
    """wrk is not installed."""


def check_tools() -> None:
    if shutil.which("wrk") is None:
        raise Missing("the public endpoints benchmark needs wrk: apt-get install -y wrk")


def seed(store: Store, settings: Settings) -> tuple[list[str], list[str]]:
    """A sent campaign to READERS readers; the pixel paths and the click paths of every reader."""
    seed_list(store, "bench", READERS, 0)
    [(article_id, _)] = library.save_articles(store, [importers.load(SEED)])
    campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "bench")
    with store.session() as session:
        recipients = list(session.scalars(select(OutboxRow.recipient_id).where(OutboxRow.campaign_id == campaign_id)))
        positions = list(
            session.scalars(
                select(TrackedLink.position).where(
                    TrackedLink.campaign_id == campaign_id, TrackedLink.honeypot.is_(False)
                )
            )
        )
    if not positions:
        raise RuntimeError("the campaign has no tracked link: is PUBLISHER_TRACKING aggregate?")
    tokens = MessageTokens(TokenSigner(settings.signing_key()), campaign_id)
    pixels = [f"/o/{tokens.open_token(r)}.gif" for r in recipients]
    clicks = [f"/r/{tokens.click_token(positions[i % len(positions)], r)}" for i, r in enumerate(recipients)]
    return pixels, clicks


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children alive now, from /proc (0 where unreadable)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for proc in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{proc}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _children(pid: int) -> list[int]:
    try:
        found = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return [c for child in found for c in (child, *_children(child))]


@contextmanager
def web_server(env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """The web app as the systemd unit runs it (deploy/systemd/publisher-web.service), on `port`."""
    uvicorn = Path(sys.executable).with_name("uvicorn")
    argv = [str(uvicorn), "--factory", "publisher.web:create_app", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", str(WEB_WORKERS), "--no-access-log", "--log-level", "warning"]
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_port(port, timeout=60)
            base = f"http://127.0.0.1:{port}"
            _wait_answers(f"{base}/")
            SERVER_PIDS.append(process.pid)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_answers(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} does not answer 200 after {timeout} s")


def wrk(base: str, paths: list[str], workdir: Path, name: str) -> dict[str, float]:
    """Requests/s, p99 latency (ms) and non-2xx/3xx answers plus socket errors, from wrk --latency."""
    listing = workdir / f"{name}.paths"
    listing.write_text("\n".join(paths) + "\n")
    script = workdir / f"{name}.lua"
    script.write_text(_WALK % {"paths": listing})
    argv = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-s", str(script), base]
    before = cpu_seconds(SERVER_PIDS[-1]) if SERVER_PIDS else 0.0
    report = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=SECONDS + 60).stdout
    used = cpu_seconds(SERVER_PIDS[-1]) - before if SERVER_PIDS else 0.0
    requests = int(_found(r"(\d+) requests in", report))
    return {
        # the web workers' CPU time per answer: what the machine's other load does not change much
        "cpu_us": round(used / requests * 1e6) if requests else 0.0,
        "rps": float(_found(r"Requests/sec:\s+([\d.]+)", report)),
        "p99_ms": _milliseconds(_found(r"\s99%\s+([\d.]+\w+)", report)),
        "errors": _errors(report),
    }


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise RuntimeError(f"wrk's report has no {pattern!r}:\n{text}")
    return match.group(1)


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return round(float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 2)


def _errors(report: str) -> float:
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", report)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", report)
    return float((int(bad.group(1)) if bad else 0) + (sum(int(n) for n in sockets.groups()) if sockets else 0))


def signups_meanwhile(base: str, stop: threading.Event) -> Callable[[], dict[str, float]]:
    """POST a signup every 100 ms until `stop`; returns a call giving their p99 (ms) and failures."""
    times: list[float] = []
    failures = [0]

    def run() -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            n = 0
            while not stop.is_set():
                n += 1
                start = time.perf_counter()
                try:
                    answer = client.post("/subscribe", data={"email": f"burst{n}@example.org", "list": "bench"})
                    if answer.status_code >= 500:
                        failures[0] += 1
                except httpx.HTTPError:
                    failures[0] += 1
                times.append((time.perf_counter() - start) * 1000)
                stop.wait(0.1)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def result() -> dict[str, float]:
        thread.join()
        ordered = sorted(times) or [0.0]
        return {
            "count": float(len(times)),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
            "failures": float(failures[0]),
        }

    return result


def run(log: Callable[[str], object] = print) -> dict[str, float]:
    """Every figure of this benchmark, keyed as benchmarks/results.json keeps them."""
    check_tools()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        database_url = stack.enter_context(private_postgres())
        env = {
            "PUBLISHER_DATABASE_URL": database_url,
            "PUBLISHER_DATA_DIR": str(workdir / "data"),
            "PUBLISHER_TRACKING": "aggregate",
            "PUBLISHER_SECRET_KEY": os.environ.get("PUBLISHER_SECRET_KEY", "bench-secret-key"),
            "PUBLISHER_BASE_URL": "https://news.example.org",
        }
        os.environ.update(env)
        settings = Settings()
        store = Store(settings.resolved_database_url)
        log(f"public endpoints: seeding {READERS:,} readers and one sent campaign on PostgreSQL ...")
        pixels, clicks = seed(store, settings)
        store.engine.dispose()
        base = stack.enter_context(web_server(env, _free_port(), workdir / "web.log"))
        log(f"public endpoints: wrk, {CONNECTIONS} connections for {SECONDS} s each, {WEB_WORKERS} web workers ...")
        # The baseline in the same run: a static file through the same app and workers, no store.
        static = wrk(base, ["/static/style.css"], workdir, "static")
        pixel = wrk(base, pixels, workdir, "pixel")
        stop = threading.Event()
        signups = signups_meanwhile(base, stop)
        try:
            redirect = wrk(base, clicks, workdir, "redirect")
        finally:
            stop.set()
        during = signups()
    return {
        "static_rps": round(static["rps"]),
        "static_p99_ms": static["p99_ms"],
        "static_cpu_us_per_request": static["cpu_us"],
        "pixel_cpu_us_per_request": pixel["cpu_us"],
        "redirect_cpu_us_per_request": redirect["cpu_us"],
        "redirect_vs_static": round(redirect["rps"] / static["rps"], 3) if static["rps"] else 0.0,
        "pixel_vs_static": round(pixel["rps"] / static["rps"], 3) if static["rps"] else 0.0,
        "pixel_rps": round(pixel["rps"]),
        "pixel_p99_ms": pixel["p99_ms"],
        "pixel_errors": pixel["errors"],
        "redirect_rps": round(redirect["rps"]),
        "redirect_p99_ms": redirect["p99_ms"],
        "redirect_errors": redirect["errors"],
        "signup_p99_ms_under_load": during["p99_ms"],
        "signup_failures_under_load": during["failures"],
    }


if __name__ == "__main__":
    figures = run()
    print(json.dumps(figures, indent=2))
    print("\n".join(targets.lines(figures)))
