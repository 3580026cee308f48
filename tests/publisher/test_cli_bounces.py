"""`publisher bounces serve|poll|read` as an operator runs them: a real process, exit codes, what is stored."""

from __future__ import annotations

import mailbox
import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Subscriber
from publisher.suppression import is_suppressed
from publisher.verp import verp_of
from tests.publisher.test_cli import publisher
from tests.publisher.test_cli_startup import loaded_by
from tests.support.dsn import postfix_dsn
from tests.support.factories import sent_to, subscribe
from tests.support.imap import dovecot
from tests.support.services import free_port, port_open

HARD = "550 5.1.1 Recipient address rejected: User unknown in virtual mailbox table"


def a_bounce(store: Store) -> tuple[str, bytes]:
    """A reader who was sent a campaign, and a hard bounce for that send."""
    [address] = subscribe(store, "readers", 1)
    return address, postfix_dsn(address, "5.1.1", HARD, original_message_id=sent_to(store, address))


def suppressed(store: Store, address: str) -> bool:
    with store.session() as session:
        return is_suppressed(session, address)


def test_the_group_lists_its_commands_and_its_help_opens_no_database(tmp_path: Path):
    shown = publisher("bounces", "--help")

    assert shown.returncode == 0
    assert all(name in shown.stdout for name in ("serve", "poll", "read"))
    loaded = loaded_by(tmp_path, "bounces", "serve", "--help")
    assert loaded & {"sqlalchemy", "aiosmtpd", "fastapi", "celery"} == set()


def test_read_is_subscribers_bounces(tmp_path: Path, store: Store):
    address, raw = a_bounce(store)
    box = mailbox.Maildir(str(tmp_path / "bounces"), create=True)
    box.add(raw)
    box.close()

    read = publisher("bounces", "read", str(tmp_path / "bounces"))
    again = publisher("subscribers", "bounces", str(tmp_path / "bounces"))

    assert read.returncode == 0, read.stderr
    assert read.stdout.strip() == "1 suppressed; 0 messages were not bounce reports"
    assert again.stdout.strip() == "1 duplicate; 0 messages were not bounce reports"
    assert suppressed(store, address)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_serve_takes_a_bounce_by_smtp_and_stops_on_a_signal(store: Store, settings: Settings, stop: signal.Signals):
    [address] = subscribe(store, "readers", 1)
    message_id = sent_to(store, address)
    with store.session() as session:
        subscriber_id = session.scalar(select(Subscriber.id).where(Subscriber.email == address))
    verp = verp_of(settings).address(int(message_id.split(".c")[1].split(".")[0]), subscriber_id)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "publisher", "bounces", "serve", "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        deadline = time.monotonic() + 60
        while not port_open("127.0.0.1", port, 0.2):
            assert server.poll() is None and time.monotonic() < deadline, server.communicate()
            time.sleep(0.1)
        raw = postfix_dsn(address, "5.1.1", HARD, original_message_id="<headers-lost@mx.example.net>")
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.sendmail("", [verp], raw)
    finally:
        server.send_signal(stop)
        stdout, stderr = server.communicate(timeout=30)

    assert server.returncode == 0, stderr
    assert f"listening on 127.0.0.1:{port}" in stderr and "stopped" in stderr
    assert "127.0.0.1: from <> to 1 address(es): 1 suppressed" in stdout
    assert "User unknown" not in stdout + stderr
    assert suppressed(store, address)


def test_serve_on_a_bad_listen_address_is_a_clear_error():
    refused = publisher("bounces", "serve", "--listen", "nowhere")

    assert refused.returncode == 2
    assert "PUBLISHER_BOUNCE_LISTEN must be HOST:PORT" in refused.stderr


def test_poll_once_ingests_and_a_second_poll_finds_nothing(store: Store, monkeypatch: pytest.MonkeyPatch):
    address, raw = a_bounce(store)
    with dovecot() as imap:
        imap.append(raw)
        monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_URL", imap.url())
        monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_PASSWORD", imap.password)
        monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_DONE_FOLDER", "Done")

        first = publisher("bounces", "poll", "--once", "--ca-file", str(imap.ca.pem))
        second = publisher("bounces", "poll", "--once", "--ca-file", str(imap.ca.pem))

    assert first.returncode == 0, first.stderr
    assert f"127.0.0.1:{imap.port}/INBOX: 1 new message(s): 1 suppressed" in first.stdout
    assert "0 new message(s): no bounces" in second.stdout
    assert suppressed(store, address)


def test_poll_with_a_wrong_password_exits_2_naming_the_server_not_the_password(monkeypatch: pytest.MonkeyPatch):
    with dovecot() as imap:
        monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_URL", imap.url())
        monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_PASSWORD", "wrong-password-3b9d")
        monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_CA_FILE", str(imap.ca.pem))

        refused = publisher("bounces", "poll", "--once")

    assert refused.returncode == 2
    assert f"IMAP server 127.0.0.1:{imap.port} refused the login" in refused.stderr
    assert "wrong-password-3b9d" not in refused.stderr + refused.stdout


def test_poll_keeps_looping_while_the_server_is_down_and_stops_on_sigterm(monkeypatch: pytest.MonkeyPatch):
    port = free_port()
    monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_URL", f"imaps://bounces@127.0.0.1:{port}/INBOX")
    monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_PASSWORD", "secret-0a7c")
    poller = subprocess.Popen(
        [sys.executable, "-m", "publisher", "bounces", "poll", "--interval", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    said, deadline = [], time.monotonic() + 90
    while sum("cannot be reached" in line for line in said) < 2 and time.monotonic() < deadline:
        line = poller.stderr.readline()  # a line a second while it retries; EOF if it died
        if not line:
            break
        said.append(line)
    poller.send_signal(signal.SIGTERM)
    _, rest = poller.communicate(timeout=30)
    stderr = "".join(said) + rest

    assert poller.returncode == 0, stderr
    assert stderr.count(f"IMAP server 127.0.0.1:{port} cannot be reached") >= 2 and "stopped" in stderr
    assert "secret-0a7c" not in stderr
