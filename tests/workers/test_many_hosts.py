"""The system as on several machines: two worker hosts and an SMTP host, each its own network namespace.

PostgreSQL and Redis are offered to the hosts on the test subnet (a forwarder to the machine's PostgreSQL,
a private redis-server); the workers are real Celery workers started inside their hosts. A 20,000-recipient
campaign goes out; mid-campaign host A's cable is pulled for longer than the lease, host B takes A's
claimed rows over once their lease has run out, A comes back, and the campaign finishes.

Delivery is at least once, and this test says exactly where "once" ends: a message A had handed to the SMTP
server (250) but not yet recorded when its cable was pulled is sent again by B, because nothing that B can
see says it went out. Those duplicates are counted and named; each must be a message A delivered before the
cut, delivered again after it, and there can be no more of them than A had rows in flight (one chunk per
worker process). Every other address gets exactly one message, and A's late results, written when it comes
back, change none of the rows B recorded (the result write is fenced by the claim time).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from publisher import campaigns
from publisher.config import Settings
from publisher.delivery.claim import CHUNK
from publisher.store import Store
from publisher.store.models import OutboxRow
from tests.support.factories import seed_article
from tests.support.netns import Host, TestNet, require_namespaces, require_program
from tests.support.services import free_port, port_open, postgres_database
from tests.support.smtp_host import Delivery, read_log
from tests.support.subscribers_copy import seed_list
from workers.dispatch import CeleryDispatcher

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.xdist_group("many-hosts"), pytest.mark.timeout(300)]

RECIPIENTS = 20_000
LEASE = 10  # seconds: the smallest the settings allow
SMTP_TIMEOUT = 3  # seconds: well under the lease, so a cut host's stalled SMTP session is over before takeover
CONCURRENCY = 2  # worker processes per host, each with one SMTP connection and at most one chunk in flight
IN_FLIGHT_BOUND = CONCURRENCY * CHUNK  # what a cut host can have handed to SMTP without recording it
SMTP_PORT = 2525
A_BEFORE_CUT = 4000  # host A's deliveries before its cable is pulled: past mid-campaign, so B has less left alone
# What the SMTP host had already received from A when the cut was measured (data in its socket buffer, read a
# moment later on a loaded machine) may be logged this long after the cut.
CUT_GRACE = 1.0


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2500:]}" for p in logs if p.exists())
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{tails}")
        time.sleep(0.1)


def worker_env(database_url: str, broker_url: str, mail: Host, data_dir: Path) -> dict[str, str]:
    return {
        "PUBLISHER_DATABASE_URL": database_url,
        "PUBLISHER_BROKER_URL": broker_url,
        "PUBLISHER_SMTP_HOST": mail.ip,
        "PUBLISHER_SMTP_PORT": str(SMTP_PORT),
        "PUBLISHER_SMTP_TIMEOUT": str(SMTP_TIMEOUT),
        "PUBLISHER_LEASE_SECONDS": str(LEASE),
        "PUBLISHER_SWEEP_SECONDS": "1",
        "PUBLISHER_RETRY_BASE_SECONDS": "0.5",
        "PUBLISHER_BATCH_SIZE": "500",
        "PUBLISHER_DATA_DIR": str(data_dir),
        "PUBLISHER_FROM": "The Test Desk <news@example.org>",
        "PUBLISHER_BASE_URL": "https://news.example.org",
        "PUBLISHER_SECRET_KEY": "the-same-secret-on-every-host",
    }


def test_a_host_cut_off_mid_campaign_is_taken_over_after_its_lease_and_every_address_gets_the_digest(
    tmp_path: Path, seed_path: Path
):
    require_namespaces()
    require_program("redis-server", "the hosts' private Redis (Debian: apt-get install redis-server)")
    marks = {"start": time.time()}
    with ExitStack() as stack:
        local_url = stack.enter_context(postgres_database(migrated=True))
        net = TestNet().open()
        stack.callback(lambda: _assert_cleaned(net))
        a, b, mail = net.add_host("a"), net.add_host("b"), net.add_host("mail")
        logs = [tmp_path / n for n in ("a.log", "b.log", "smtp.log", "services.log")]
        deliveries_log = tmp_path / "deliveries.log"

        # The machine's services on the test subnet: PostgreSQL through a forwarder, a private Redis.
        pg_port, redis_port = free_port(), free_port()
        net.start(net.python("tests.support.forwarder", net.gateway, str(pg_port), "127.0.0.1", "5432"), log=logs[3])
        net.start(
            ["redis-server", "--bind", net.gateway, "--port", str(redis_port), "--save", "", "--appendonly", "no",
             "--protected-mode", "no"],
            log=logs[3],
        )
        net.start(mail.argv(net.python("tests.support.smtp_host", mail.ip, str(SMTP_PORT), str(deliveries_log))),
                  log=logs[2])
        for host, port in ((net.gateway, pg_port), (net.gateway, redis_port), (mail.ip, SMTP_PORT)):
            wait_for(lambda h=host, p=port: port_open(h, p), 30, f"{host}:{port}", logs)

        name = local_url.rsplit("/", 1)[1]
        with psycopg.connect("host=127.0.0.1 dbname=test user=postgres", autocommit=True) as admin:
            # A cut host's open transaction must not hold its rows' locks (and so its claims) for good.
            admin.execute(f'ALTER DATABASE "{name}" SET idle_in_transaction_session_timeout = \'10s\'')
        hosts_url = local_url.replace("127.0.0.1:5432", f"{net.gateway}:{pg_port}")
        broker_url = f"redis://{net.gateway}:{redis_port}/0"
        env = worker_env(hosts_url, broker_url, mail, tmp_path / "data")

        store = Store(local_url)
        stack.callback(store.dispose)
        settings = Settings(**{**_settings_of(env), "database_url": local_url})
        article_id = seed_article(store, seed_path)
        addresses = seed_list(store, "readers", RECIPIENTS)
        marks["seeded"] = time.time()
        campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "readers")

        workers = {h.ip: net.start(h.argv(_worker_argv()), env=env, log=tmp_path / f"{h.name}.log") for h in (a, b)}
        for h in (a, b):
            wait_for(lambda h=h: "ready" in (tmp_path / f"{h.name}.log").read_text(), 60, f"worker {h.name}", logs)
            marks[f"{h.name} ready"] = time.time()
        dispatcher = CeleryDispatcher(settings)
        campaigns.dispatch(store, settings, dispatcher, campaign_id)
        dispatcher.close()

        # Pull A's cable while it is sending (its last delivery a moment ago): it has a chunk in flight.
        tail = _Tail(deliveries_log, a.ip)
        wait_for(lambda: tail.a_sending(at_least=A_BEFORE_CUT), 120, f"host A to deliver {A_BEFORE_CUT} messages", logs)
        a.cut()
        cut = time.time()
        marks["cut"] = cut
        in_flight_at_cut = _sending_ids(store, campaign_id)

        # B takes A's claims over after their lease: every row in flight at the cut is recorded.
        wait_for(lambda: not (_sending_ids(store, campaign_id) & in_flight_at_cut), 90, "the takeover", logs)
        a.restore()
        restored = time.time()
        marks["restored"] = restored
        status = _wait_done(store, campaign_id, logs)
        marks["done"] = time.time()
        # A writes the results of the chunk it held once its cable is back (they must change nothing).
        a_log = tmp_path / "a.log"
        wait_for(lambda: _batches_logged_after(a_log, restored, campaign_id), 60, "host A's late results", logs)
        marks["late results"] = time.time()
        _stop(list(workers.values()))
        rows = _rows(store, campaign_id, in_flight_at_cut)

    deliveries = read_log(deliveries_log.read_text())
    report = _Report(deliveries, a.ip, cut, restored)
    print(report.summary)
    print("timeline (s): " + ", ".join(f"{k} {v - marks['start']:.1f}" for k, v in marks.items()))
    taken_over = [r for r in rows if r.claimed_at > _utc(cut)]

    assert status.state == "done" and status.counts["sent"] == RECIPIENTS, status
    assert set(report.counts) == set(addresses), "some addresses got nothing"
    assert not report.from_a_during_the_cut, "host A delivered while cut off"
    assert taken_over, "host A had no rows in flight at the cut: the takeover was not exercised"
    # Duplicates: only what A handed to SMTP before the cut, sent again (once) after it, within the bound.
    assert report.bad_duplicates == [], report.bad_duplicates[:10]
    assert len(report.duplicates) <= IN_FLIGHT_BOUND
    assert len(report.duplicates) <= len(taken_over)
    # A's late results (written when its cable is back) leave the takeover's records alone.
    assert [r.id for r in rows if r.updated_at > _utc(restored)] == []
    assert {r.state for r in rows} == {"sent"}


class _Tail:
    """Host A's deliveries so far, read from the SMTP log as it grows."""

    def __init__(self, path: Path, a_ip: str) -> None:
        self.path, self.a_ip, self.offset, self.count, self.last = path, a_ip, 0, 0, 0.0

    def a_sending(self, at_least: int) -> bool:
        with self.path.open("rb") as f:
            f.seek(self.offset)
            chunk = f.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        for d in read_log(complete.decode("ascii")):
            if d.peer == self.a_ip:
                self.count, self.last = self.count + 1, d.at
        return self.count >= at_least and time.time() - self.last < 0.05


class _Report:
    """What the SMTP host's log says: deliveries per address, the duplicates, and whether each is explained."""

    def __init__(self, deliveries: list[Delivery], a_ip: str, cut: float, restored: float) -> None:
        self.counts = Counter(d.recipient for d in deliveries)
        by_address: dict[str, list[Delivery]] = defaultdict(list)
        for d in deliveries:
            by_address[d.recipient].append(d)
        self.duplicates = {r: by_address[r] for r, n in self.counts.items() if n > 1}
        self.from_a_during_the_cut = [d for d in deliveries if d.peer == a_ip and cut + CUT_GRACE < d.at < restored]
        # A duplicate we can explain: twice, first from A before the cut, then again after it.
        self.bad_duplicates = [
            (r, [(d.peer, round(d.at - cut, 3)) for d in ds])
            for r, ds in self.duplicates.items()
            if not (len(ds) == 2 and ds[0].peer == a_ip and ds[0].at <= cut + CUT_GRACE and ds[1].at > cut)
        ]
        per_host = Counter(d.peer for d in deliveries)
        self.summary = (
            f"{len(deliveries)} deliveries to {len(self.counts)} addresses ({dict(per_host)}); "
            f"{len(self.duplicates)} duplicates (bound {IN_FLIGHT_BOUND}), all first sent by host A before the "
            f"cut: {sorted(self.duplicates)[:5]}..."
        )


_BATCH_RESULT = r"(\S+ \S+) INFO workers\.tasks: campaign {} smtp \[.*?: sent (\d+) .* deferred (\d+)"


def _batches_logged_after(log: Path, unix: float, campaign_id: int) -> list[str]:
    """A worker's batch results ("campaign N smtp [a..b]: sent ...", logged once recorded) after this time."""
    after = datetime.fromtimestamp(unix)  # the worker logs local time
    lines = []
    for line in log.read_text(errors="replace").splitlines():
        found = re.match(_BATCH_RESULT.format(campaign_id), line)
        if found and datetime.strptime(found[1], "%Y-%m-%d %H:%M:%S,%f") > after and int(found[2]) + int(found[3]):
            lines.append(line)
    return lines


def _sending_ids(store: Store, campaign_id: int) -> set[int]:
    with store.session() as session:
        return set(
            session.scalars(
                select(OutboxRow.id).where(OutboxRow.campaign_id == campaign_id, OutboxRow.state == "sending")
            )
        )


def _rows(store: Store, campaign_id: int, ids: set[int]) -> list[OutboxRow]:
    with store.session() as session:
        rows = list(session.scalars(select(OutboxRow).where(OutboxRow.id.in_(ids))))
        session.expunge_all()
        return rows


def _wait_done(store: Store, campaign_id: int, logs: list[Path]) -> campaigns.CampaignStatus:
    def done() -> bool:
        with store.session() as session:
            pending = session.scalar(
                select(func.count()).where(
                    OutboxRow.campaign_id == campaign_id, OutboxRow.state.in_(("queued", "sending"))
                )
            )
        return pending == 0 and campaigns.status(store, campaign_id).state == "done"

    wait_for(done, 120, "the campaign to finish", logs)
    return campaigns.status(store, campaign_id)


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            pass  # TestNet.close kills it


def _worker_argv() -> list[str]:
    return [sys.executable, "-m", "publisher", "worker", "--concurrency", str(CONCURRENCY), "--loglevel", "INFO"]


def _settings_of(env: dict[str, str]) -> dict[str, str]:
    return {k.removeprefix("PUBLISHER_").lower(): v for k, v in env.items() if k != "PUBLISHER_FROM"}


def _utc(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


def _assert_cleaned(net: TestNet) -> None:
    problems = net.close()
    assert problems == [], problems
