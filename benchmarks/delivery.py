"""Delivery against the transport limit: smtp-source vs the naive path vs our pipeline, into smtp-sink.

Everything runs on loopback in one go: a private PostgreSQL database, a private redis-server, Postfix's
smtp-sink, real Celery worker processes. All of it is stopped and dropped at the end.
"""

from __future__ import annotations

import os
import secrets
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import func, select, text

from benchmarks.common import SEED
from publisher import campaigns, importers, library
from publisher.config import Settings
from publisher.render.email import render_digest
from publisher.store import Store
from publisher.store.models import MailingList, OutboxRow
from workers.dispatch import CeleryDispatcher
from workers.process import spawn_worker, stop_worker

PIPELINE_RECIPIENTS = 20_000
NAIVE_RECIPIENTS = 300
# Worker processes in the pipeline, and smtp-source's parallel sessions for the transport limit: the same, so
# both sides get as many SMTP connections. BENCH_CONCURRENCY overrides it.
WORKER_CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "2"))
STAMP = "2026-01-01T00:00:00Z"
PG_ADMIN = "host=127.0.0.1 port=5432 dbname=test user=postgres"


class Missing(RuntimeError):
    """A tool or service the benchmark needs is not there."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def check_tools() -> None:
    missing = [tool for tool in ("smtp-sink", "smtp-source", "redis-server") if shutil.which(tool) is None]
    if missing:
        raise Missing(
            f"make bench needs {', '.join(missing)}: smtp-sink and smtp-source come with Postfix "
            "(`apt-get update && apt-get install -y postfix`), redis-server with `apt-get install -y redis-server`"
        )
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        raise Missing("make bench needs PostgreSQL on 127.0.0.1:5432 (user postgres, database test)") from None


@contextmanager
def _process(argv: list[str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def smtp_sink() -> tuple[int, object]:
    port = _free_port()
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    return port, _process(["smtp-sink", *user, f"127.0.0.1:{port}", "1024"], port)


@contextmanager
def private_redis(workdir: Path) -> Iterator[str]:
    port = _free_port()
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with _process([*argv, "--dir", str(workdir)], port):
        yield f"redis://127.0.0.1:{port}/0"


@contextmanager
def private_postgres() -> Iterator[str]:
    import psycopg

    name = f"publisher_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def new_list(store: Store, name: str) -> int:
    """A new, empty mailing list; its id."""
    with store.session() as session:
        mailing_list = MailingList(name=name)
        session.add(mailing_list)
        session.flush()
        return mailing_list.id


def seed_list(store: Store, name: str, count: int, offset: int) -> None:
    """`count` active subscribers on a new list, written with COPY."""
    list_id = new_list(store, name)
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT coalesce(max(id), 0) FROM subscribers")
        first = cursor.fetchone()[0] + 1
        step = 100_000  # COPY in slices, so seeding a million rows stays small in memory
        with cursor.copy("COPY subscribers (id, email, name, attributes, created_at) FROM STDIN") as copy:
            for low in range(0, count, step):
                copy.write(
                    "".join(
                        f"{first + i}\treader{offset + i}@example.com\tReader {offset + i}\t{{}}\t{STAMP}\n"
                        for i in range(low, min(low + step, count))
                    )
                )
        with cursor.copy(
            "COPY subscriptions (list_id, subscriber_id, status, source, created_at, updated_at) FROM STDIN"
        ) as copy:
            for low in range(0, count, step):
                copy.write(
                    "".join(
                        f"{list_id}\t{first + i}\tactive\tbench\t{STAMP}\t{STAMP}\n"
                        for i in range(low, min(low + step, count))
                    )
                )
        cursor.execute("SELECT setval('subscribers_id_seq', (SELECT max(id) FROM subscribers))")
        cursor.execute("ANALYZE subscribers")
        cursor.execute("ANALYZE subscriptions")
        raw.commit()
    finally:
        raw.close()


def transport_limit(port: int, size: int, count: int = PIPELINE_RECIPIENTS) -> float:
    """smtp-source: `count` messages of `size` bytes, reusing connections, as many sessions as our workers."""
    start = time.perf_counter()
    subprocess.run(
        ["smtp-source", "-d", "-s", str(WORKER_CONCURRENCY), "-m", str(count), "-l", str(size), f"127.0.0.1:{port}"],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )
    return count / (time.perf_counter() - start)


def naive(port: int, settings: Settings, count: int = NAIVE_RECIPIENTS) -> float:
    """Per recipient: Jinja2 + premailer render, EmailMessage, smtplib (one connection, to favour the baseline)."""
    article = importers.load(SEED)
    conn = smtplib.SMTP("127.0.0.1", port)
    start = time.perf_counter()
    for i in range(count):
        digest = render_digest([article], settings)
        message = EmailMessage()
        message["From"] = settings.from_
        message["To"] = f"Reader {i} <reader{i}@example.com>"
        message["Subject"] = digest.subject
        message.set_content(digest.text.replace(digest.placeholder("NAME"), f"Reader {i}"))
        message.add_alternative(digest.html.replace(digest.placeholder("NAME"), f"Reader {i}"), subtype="html")
        conn.sendmail(settings.from_, [f"reader{i}@example.com"], message.as_bytes())
    rate = count / (time.perf_counter() - start)
    conn.quit()
    return rate


def _wait_ready(log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and "ready" in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the worker did not start in {timeout} s; see {log}")


def pipeline(
    env: dict[str, str],
    store: Store,
    settings: Settings,
    article_id: int,
    tmp: Path,
    on_ready: Callable[[subprocess.Popen[bytes]], object] | None = None,
    phases: dict[str, float] | None = None,
) -> float:
    """A campaign to PIPELINE_RECIPIENTS through Celery workers, from `send` to the last row recorded.

    on_ready(worker) runs once the worker is ready, before the campaign is sent (a profiler attaches there);
    phases, when given, gets where the time went: seconds to create and to dispatch the campaign, from the
    start to the first row sent, and the CPU microseconds per message, from the dispatch to the end, of the
    worker processes and of the database's PostgreSQL backends.
    """
    log = tmp / "worker.log"
    worker = spawn_worker(env, concurrency=WORKER_CONCURRENCY, log_path=log, loglevel="INFO")
    try:
        _wait_ready(log)
        if on_ready is not None:
            on_ready(worker)
        dispatcher = CeleryDispatcher(settings)
        start = time.time()
        campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "pipeline", force=True)
        created = time.time()
        campaigns.dispatch(store, settings, dispatcher, campaign_id)
        dispatched = time.time()
        cpu_before = _cpu_seconds(_process_tree(worker.pid)), _cpu_seconds(_backends(store))
        dispatcher.close()
        deadline = time.monotonic() + 600
        # Polled once a second: the figure ends at the last row's updated_at, and the count is work for the
        # same database the workers use.
        while campaigns.status(store, campaign_id).pending and time.monotonic() < deadline:
            time.sleep(1.0)
        state = campaigns.status(store, campaign_id)
        if state.pending or state.counts["sent"] != PIPELINE_RECIPIENTS:
            raise RuntimeError(f"pipeline run incomplete: {state.counts}; see {log}")
        with store.session() as session:
            last = session.scalar(select(func.max(OutboxRow.updated_at)).where(OutboxRow.campaign_id == campaign_id))
            first = session.scalar(select(func.min(OutboxRow.updated_at)).where(OutboxRow.campaign_id == campaign_id))
        if phases is not None:
            phases.update(
                create_s=round(created - start, 2),
                dispatch_s=round(dispatched - created, 2),
                first_sent_s=round(first.timestamp() - start, 2),
                worker_cpu_us_per_msg=round(
                    (_cpu_seconds(_process_tree(worker.pid)) - cpu_before[0]) / PIPELINE_RECIPIENTS * 1e6
                ),
                postgres_cpu_us_per_msg=round(
                    (_cpu_seconds(_backends(store)) - cpu_before[1]) / PIPELINE_RECIPIENTS * 1e6
                ),
            )
        return PIPELINE_RECIPIENTS / (last.timestamp() - start)
    finally:
        stop_worker(worker)


def _process_tree(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid, *(int(c) for c in children)]


def _backends(store: Store) -> list[int]:
    """The PostgreSQL backends connected to the store's database (the workers' connections, ours)."""
    with store.session() as session:
        return list(session.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")))


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (those gone meanwhile count nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class _Bench:
    """What one benchmark run has set up: smtp-sink's port, the workers' environment, settings, store."""

    port: int
    env: dict[str, str]
    settings: Settings
    store: Store
    tmp: Path


@contextmanager
def _bench(settings: Settings) -> Iterator[_Bench]:
    """smtp-sink, a private PostgreSQL database and redis-server; all stopped and dropped on the way out."""
    check_tools()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="publisher-bench-")))
        port, sink = smtp_sink()
        stack.enter_context(sink)
        database_url = stack.enter_context(private_postgres())
        broker_url = stack.enter_context(private_redis(tmp))
        env = {
            "PUBLISHER_DATA_DIR": str(tmp / "data"),
            "PUBLISHER_DATABASE_URL": database_url,
            "PUBLISHER_BROKER_URL": broker_url,
            "PUBLISHER_SMTP_HOST": "127.0.0.1",
            "PUBLISHER_SMTP_PORT": str(port),
            "PUBLISHER_SECRET_KEY": "bench",
            "PUBLISHER_BASE_URL": settings.base_url,
        }
        os.environ.update(env)
        store = Store(database_url)
        stack.callback(store.dispose)
        yield _Bench(port, env, Settings(), store, tmp)


def run(settings: Settings, digest_bytes: int, log=print) -> dict[str, float]:  # noqa: ANN001
    results: dict[str, float] = {}
    with _bench(settings) as bench:
        port, env, bench_settings, store, tmp = bench.port, bench.env, bench.settings, bench.store, bench.tmp
        log(f"transport limit: smtp-source, {PIPELINE_RECIPIENTS:,} messages of {digest_bytes:,} bytes ...")
        results["transport_limit_msgs_per_s"] = round(transport_limit(port, digest_bytes), 1)
        log(f"naive path: {NAIVE_RECIPIENTS} recipients ...")
        results["naive_msgs_per_s"] = round(naive(port, bench_settings), 1)

        [(article_id, _)] = library.save_articles(store, [importers.load(SEED)])
        seed_list(store, "pipeline", PIPELINE_RECIPIENTS, 0)
        log(f"pipeline: {PIPELINE_RECIPIENTS:,} recipients through {WORKER_CONCURRENCY} Celery worker processes ...")
        results["pipeline_msgs_per_s"] = round(pipeline(env, store, bench_settings, article_id, tmp), 1)

        # The million-reader enqueue that was measured here is benchmarks/scale.py's ten million now.

    results["pipeline_vs_transport"] = round(results["pipeline_msgs_per_s"] / results["transport_limit_msgs_per_s"], 3)
    results["pipeline_vs_naive"] = round(results["pipeline_msgs_per_s"] / results["naive_msgs_per_s"], 1)
    return results
