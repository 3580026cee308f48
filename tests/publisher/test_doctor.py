"""`publisher doctor`'s checks (publisher.doctor.run_checks): a healthy installation reads all ok but the
filesystem broker's documented warning; each thing broken is its own line with its verdict and exit code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from publisher.config import Settings
from publisher.doctor import Finding, Verdict, exit_code, run_checks
from publisher.store import Store
from publisher.store.models import Campaign
from publisher.store.session import SCHEMA_HEADS
from tests.support.disks import remount_read_only, tmpfs
from tests.support.dkim import dns_answering, make_dkim_key
from tests.support.doctor import base_url_answering, healthy_environment
from tests.support.fakes import FakeMastodon
from tests.support.services import free_port
from tests.support.smtp import SmtpServer
from tests.support.social import MASTODON_TOKEN

FILESYSTEM_WORKERS = "the filesystem broker cannot ping workers"


@pytest.fixture
def healthy(tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[bytes]:
    """The environment of a working installation; yields the DKIM record DNS publishes."""
    with base_url_answering() as url:
        env, record = healthy_environment(tmp_path / "data", smtp_server, url)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        yield record


def check(record: bytes | None, **changes: object) -> tuple[dict[str, Finding], int]:
    settings = Settings().model_copy(update=changes)
    findings = run_checks(settings, timeout=2, dns=dns_answering(record) if record else lambda _name: None)
    by_check = {f.check: f for f in findings}
    assert len(by_check) == len(findings), "one line per check"
    return by_check, exit_code(findings)


def verdicts(findings: dict[str, Finding]) -> dict[str, Verdict]:
    return {name: f.verdict for name, f in findings.items()}


HEALTHY = {
    "database": Verdict.OK,
    "secret key": Verdict.OK,
    "broker": Verdict.OK,
    "workers": Verdict.WARNING,  # documented: the filesystem broker cannot ping
    "smtp": Verdict.OK,
    "dkim": Verdict.OK,
    "base URL": Verdict.OK,
    "media store": Verdict.OK,
    "social accounts": Verdict.OK,
    "postal address": Verdict.OK,
}


def test_a_healthy_installation_is_all_ok_but_the_filesystem_brokers_ping(healthy: bytes):
    findings, code = check(healthy)
    assert verdicts(findings) == HEALTHY and code == 0
    assert FILESYSTEM_WORKERS in findings["workers"].message
    assert "no worker has recorded progress" in findings["workers"].message
    assert "nothing was sent" in findings["smtp"].message
    assert findings["dkim"].message == "key readable and matching the published record"


def test_the_media_probe_is_removed_again(healthy: bytes):
    check(healthy)
    media = Settings().media_dir
    assert not media.exists() or list(media.iterdir()) == []


def test_the_filesystem_workers_line_says_when_a_worker_last_worked(healthy: bytes):
    store = Store(Settings().resolved_database_url)
    with store.session() as session:
        session.add(Campaign(kind="email", subject="s", progress_at=datetime(2026, 3, 4, 5, 6)))
    store.dispose()
    findings, _ = check(healthy)
    assert "a worker last recorded progress at 2026-03-04 05:06 UTC" in findings["workers"].message


def test_a_stopped_smtp_server_is_an_error_on_its_own_line(healthy: bytes):
    stopped = SmtpServer().start()
    stopped.stop()
    findings, code = check(healthy, smtp_port=stopped.port)
    assert verdicts(findings) == {**HEALTHY, "smtp": Verdict.ERROR} and code == 1
    assert "cannot reach SMTP server" in findings["smtp"].message


def test_an_unreachable_database_is_an_error_and_nothing_else_breaks(healthy: bytes):
    url = f"postgresql+psycopg://publisher@127.0.0.1:{free_port()}/publisher"
    findings, code = check(healthy, database_url=url)
    assert verdicts(findings) == {**HEALTHY, "database": Verdict.ERROR} and code == 1
    assert findings["database"].message.startswith("cannot be reached")
    assert "the database cannot tell" in findings["workers"].message


def test_a_database_server_without_an_explicit_secret_key_is_an_error(healthy: bytes):
    url = f"postgresql+psycopg://publisher@127.0.0.1:{free_port()}/publisher"
    findings, _ = check(healthy, database_url=url, secret_key=None)
    assert findings["secret key"].verdict is Verdict.ERROR
    assert "PUBLISHER_SECRET_KEY is not set" in findings["secret key"].message


def test_a_database_not_yet_created_or_not_migrated_says_to_upgrade(healthy: bytes, tmp_path: Path):
    findings, code = check(healthy, database_url=f"sqlite:///{tmp_path / 'none.db'}")
    assert findings["database"].verdict is Verdict.ERROR and code == 1
    assert "publisher db upgrade" in findings["database"].message
    Store(f"sqlite:///{tmp_path / 'old.db'}", migrate_schema=False).engine.connect().close()  # an empty file
    findings, _ = check(healthy, database_url=f"sqlite:///{tmp_path / 'old.db'}")
    assert f"not {max(SCHEMA_HEADS)}: run `publisher db upgrade`" in findings["database"].message


def test_a_missing_dkim_key_file_is_an_error_without_its_path_in_the_message(healthy: bytes, tmp_path: Path):
    findings, code = check(healthy, dkim_key_path=tmp_path / "gone.pem")
    assert verdicts(findings) == {**HEALTHY, "dkim": Verdict.ERROR} and code == 1
    assert findings["dkim"].message == "the key cannot be read"
    assert "gone.pem" in findings["dkim"].where and "gone.pem" not in findings["dkim"].message


def test_a_dkim_record_for_another_key_is_an_error(healthy: bytes, tmp_path: Path):
    (tmp_path / "other").mkdir()
    _, other_record = make_dkim_key(tmp_path / "other")
    findings, code = check(other_record)
    assert findings["dkim"].verdict is Verdict.ERROR and code == 1
    assert "does not match" in findings["dkim"].message


def test_no_dkim_record_or_no_dns_is_a_warning(healthy: bytes):
    findings, code = check(None)
    assert findings["dkim"].verdict is Verdict.WARNING and code == 0
    assert "no record is published" in findings["dkim"].message

    def no_dns(_name: bytes) -> bytes:
        raise TimeoutError

    settings = Settings()
    dkim = {f.check: f for f in run_checks(settings, timeout=1, dns=no_dns)}["dkim"]
    assert dkim.verdict is Verdict.WARNING and "DNS did not answer" in dkim.message


def test_an_unreachable_base_url_is_a_warning(healthy: bytes):
    findings, code = check(healthy, base_url=f"http://127.0.0.1:{free_port()}")
    assert verdicts(findings) == {**HEALTHY, "base URL": Verdict.WARNING} and code == 0


def test_a_postal_address_missing_is_a_warning(healthy: bytes):
    findings, code = check(healthy, postal_address="")
    assert verdicts(findings) == {**HEALTHY, "postal address": Verdict.WARNING} and code == 0


def test_each_social_account_signs_in_on_its_own_line(healthy: bytes, fake_mastodon: FakeMastodon):
    accounts = {
        "mastodon": f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{fake_mastodon.port}",
        "mastodon:old": f"mastodon+http://revoked@127.0.0.1:{fake_mastodon.port}",
    }
    findings, code = check(healthy, accounts=SecretStr(json.dumps(accounts)))
    assert findings["account mastodon"].verdict is Verdict.OK and code == 1
    assert "nothing was posted" in findings["account mastodon"].message
    assert findings["account mastodon:old"].verdict is Verdict.ERROR
    assert fake_mastodon.posts == [] and fake_mastodon.credential_checks == 1


def test_a_read_only_broker_folder_is_an_error_on_its_own_line(healthy: bytes):
    broker = Settings().broker_dir
    with tmpfs(broker):
        for sub in ("queue", "control"):
            (broker / sub).mkdir()
        remount_read_only(broker)
        try:
            findings, code = check(healthy)
        finally:
            remount_read_only(broker, read_only=False)
    assert verdicts(findings) == {**HEALTHY, "broker": Verdict.ERROR} and code == 1
    assert findings["broker"].message == "filesystem broker: its folder is not writable (Read-only file system)"


def test_on_redis_a_running_worker_answers_the_ping_and_none_is_an_error(healthy: bytes, tmp_path: Path):
    import os

    from tests.support.services import redis_database
    from workers.process import spawn_worker, stop_worker

    with redis_database() as broker:
        findings, code = check(healthy, broker_url=broker)
        assert verdicts(findings)["broker"] == Verdict.OK
        assert verdicts(findings)["workers"] == Verdict.ERROR and code == 1
        assert "no worker answered" in findings["workers"].message

        env = {k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")} | {"PUBLISHER_BROKER_URL": broker}
        worker = spawn_worker(env, concurrency=1, log_path=tmp_path / "worker.log")
        try:
            for _ in range(30):  # the worker takes a few seconds to start answering
                findings, code = check(healthy, broker_url=broker)
                if findings["workers"].verdict == Verdict.OK:
                    break
        finally:
            stop_worker(worker)
    assert findings["workers"].verdict == Verdict.OK, (tmp_path / "worker.log").read_text()[-2000:]
    assert "answered a ping" in findings["workers"].message and code == 0
    assert verdicts(findings) == {**HEALTHY, "workers": Verdict.OK}  # a healthy installation: every line ok
