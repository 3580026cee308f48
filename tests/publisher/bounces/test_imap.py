"""Polling an IMAP mailbox, against a real Dovecot (tests/support/imap.py) with TLS required."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from publisher.bounces.imap import ImapFailed, ImapUnavailable, mailbox_name, parse_url, poll_once
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import BounceEvent, Subscriber
from publisher.suppression import is_suppressed
from publisher.verp import verp_of
from tests.support.dsn import postfix_dsn
from tests.support.factories import sent_to, subscribe
from tests.support.imap import ImapServer, dovecot
from tests.support.services import free_port

HARD = "550 5.1.1 Recipient address rejected: User unknown in virtual mailbox table"
SOFT = "452 4.2.2 Mailbox full, try again later"
DONE = "Processed bounces"


@pytest.fixture
def imap() -> Iterator[ImapServer]:
    with dovecot() as server:
        yield server


def configure(monkeypatch: pytest.MonkeyPatch, server: ImapServer, *, done: str | None = DONE, **more: str) -> Settings:
    monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_URL", server.url())
    monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_PASSWORD", server.password)
    monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_CA_FILE", str(server.ca.pem))
    if done is not None:
        monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_DONE_FOLDER", done)
    for name, value in more.items():
        monkeypatch.setenv(f"PUBLISHER_BOUNCE_IMAP_{name.upper()}", value)
    return Settings()


@pytest.fixture
def bounces(store: Store, settings: Settings) -> list[tuple[str, bytes]]:
    """Three readers' bounces: matched by Message-ID, by the VERP address in Delivered-To, and a soft one."""
    hard, verp_reader, full = subscribe(store, "readers", 3)
    out = [(hard, postfix_dsn(hard, "5.1.1", HARD, original_message_id=sent_to(store, hard)))]
    message_id = sent_to(store, verp_reader)
    with store.session() as session:
        subscriber_id = session.scalar(select(Subscriber.id).where(Subscriber.email == verp_reader))
    campaign_id = int(message_id.split(".c")[1].split(".")[0])
    verp = verp_of(settings).address(campaign_id, subscriber_id)
    dropped_headers = postfix_dsn(verp_reader, "5.1.1", HARD, original_message_id="<lost@mx.example.net>")
    out.append((verp_reader, f"Delivered-To: {verp}\r\n".encode() + dropped_headers))
    out.append((full, postfix_dsn(full, "4.2.2", SOFT, original_message_id=sent_to(store, full))))
    return out


def event_count(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(BounceEvent))


@pytest.mark.parametrize(
    "capabilities",
    [
        "",  # Dovecot's own: MOVE
        "imap_capability = IMAP4rev1 LITERAL+ UIDPLUS",  # COPY, \Deleted, UID EXPUNGE
        "imap_capability = IMAP4rev1 LITERAL+",  # COPY, \Deleted, EXPUNGE
    ],
    ids=["move", "copy-uidplus", "copy-expunge"],
)
def test_poll_ingests_every_bounce_and_moves_them_to_the_done_folder(
    store: Store, monkeypatch: pytest.MonkeyPatch, bounces, capabilities: str
):
    with dovecot(capabilities) as server:
        for _, raw in bounces:
            server.append(raw)
        server.append(b"From: a.reader@example.com\r\nSubject: thanks!\r\n\r\nLoved the digest.\r\n")
        settings = configure(monkeypatch, server)

        report = poll_once(store, settings)

        assert (report.found, dict(report.ingest.outcomes), report.ingest.not_reports) == (
            4,
            {"suppressed": 2, "counted": 1},
            1,
        )
        assert server.flags("INBOX") == []
        assert len(server.flags(DONE)) == 4
    with store.session() as session:
        assert [is_suppressed(session, a) for a, _ in bounces] == [True, True, False]


def test_a_second_poll_finds_nothing(store: Store, monkeypatch: pytest.MonkeyPatch, imap: ImapServer, bounces):
    for _, raw in bounces:
        imap.append(raw)
    settings = configure(monkeypatch, imap)
    poll_once(store, settings)

    again = poll_once(store, settings)

    assert (again.found, sum(again.ingest.outcomes.values())) == (0, 0)
    assert event_count(store) == 3


def test_without_a_done_folder_messages_are_marked_seen_and_flagged(
    store: Store, monkeypatch: pytest.MonkeyPatch, imap: ImapServer, bounces
):
    for _, raw in bounces:
        imap.append(raw)
    settings = configure(monkeypatch, imap, done=None)

    first, second = poll_once(store, settings), poll_once(store, settings)

    assert (first.found, second.found) == (3, 0)
    assert all({"\\Seen", "\\Flagged"} <= flags for flags in imap.flags("INBOX"))
    assert len(imap.flags("INBOX")) == 3


def test_the_same_bounce_in_the_mailbox_twice_counts_once(
    store: Store, monkeypatch: pytest.MonkeyPatch, imap: ImapServer, bounces
):
    _, raw = bounces[2]  # a soft bounce: counted again would bring the reader closer to suppression
    imap.append(raw)
    imap.append(raw)

    report = poll_once(store, configure(monkeypatch, imap))

    assert dict(report.ingest.outcomes) == {"counted": 1, "duplicate": 1}
    assert event_count(store) == 1


def test_starttls_on_the_plain_port_works(store: Store, monkeypatch: pytest.MonkeyPatch, imap: ImapServer, bounces):
    imap.append(bounces[0][1])
    settings = configure(monkeypatch, imap, url=imap.url(starttls=True))

    assert dict(poll_once(store, settings).ingest.outcomes) == {"suppressed": 1}


def test_a_non_ascii_done_folder_is_created_and_used(
    store: Store, monkeypatch: pytest.MonkeyPatch, imap: ImapServer, bounces
):
    imap.append(bounces[0][1])

    poll_once(store, configure(monkeypatch, imap, done="Traités & rebonds"))

    with imap.client() as conn:
        typ, folders = conn.list()
    assert any(b'"Trait&AOk-s &- rebonds"' in line for line in folders)
    assert len(imap.flags("Trait&AOk-s &- rebonds")) == 1


def test_a_message_is_marked_only_after_its_ingest_committed(
    store: Store, monkeypatch: pytest.MonkeyPatch, imap: ImapServer, bounces
):
    imap.append(bounces[0][1])
    settings = configure(monkeypatch, imap)
    with store.session() as session:  # the database breaks: the ingest raises
        session.execute(text("ALTER TABLE bounce_events RENAME TO bounce_events_away"))

    with pytest.raises(Exception, match="bounce_events"):
        poll_once(store, settings)

    assert [("\\Seen" in flags) for flags in imap.flags("INBOX")] == [False]
    with store.session() as session:
        session.execute(text("ALTER TABLE bounce_events_away RENAME TO bounce_events"))
    assert dict(poll_once(store, settings).ingest.outcomes) == {"suppressed": 1}  # the next poll takes it


def test_a_message_over_the_size_limit_is_left_unread(
    store: Store, monkeypatch: pytest.MonkeyPatch, imap: ImapServer, bounces
):
    imap.append(bounces[0][1] + b"x" * 5000)
    monkeypatch.setenv("PUBLISHER_BOUNCE_MAX_BYTES", "4096")

    report = poll_once(store, configure(monkeypatch, imap))

    assert (report.found, report.too_large, event_count(store)) == (1, 1, 0)
    assert "left unread" in report.line()
    assert len(imap.flags("INBOX")) == 1


def test_a_folder_that_does_not_exist_is_a_clear_error(store: Store, monkeypatch: pytest.MonkeyPatch, imap: ImapServer):
    settings = configure(monkeypatch, imap, url=imap.url("Nowhere"))

    with pytest.raises(ImapFailed, match=f"IMAP server 127.0.0.1:{imap.port}: opening the folder 'Nowhere' failed"):
        poll_once(store, settings)


def test_a_done_folder_that_is_the_polled_folder_is_refused(store: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_URL", "imaps://bounces@mail.example.org/INBOX")
    monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_PASSWORD", "secret-77aa")
    monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_DONE_FOLDER", "inbox")

    with pytest.raises(ImapFailed, match="must differ from the polled folder 'INBOX'"):
        poll_once(store, Settings())


def test_a_wrong_password_is_a_clear_error_naming_the_server_never_the_password(
    store: Store, monkeypatch: pytest.MonkeyPatch, imap: ImapServer
):
    settings = configure(monkeypatch, imap, password="not-the-password-91c2")

    with pytest.raises(ImapFailed) as failed:
        poll_once(store, settings)

    message = str(failed.value)
    assert f"127.0.0.1:{imap.port} refused the login of 'bounces'" in message
    assert "not-the-password-91c2" not in message and imap.password not in message


@pytest.mark.parametrize("starttls", [False, True], ids=["imaps", "starttls"])
def test_an_untrusted_certificate_is_a_clear_error(
    store: Store, monkeypatch: pytest.MonkeyPatch, imap: ImapServer, starttls: bool
):
    settings = configure(monkeypatch, imap, url=imap.url(starttls=starttls))
    monkeypatch.delenv("PUBLISHER_BOUNCE_IMAP_CA_FILE")

    with pytest.raises(ImapFailed, match="its certificate is not trusted") as failed:
        poll_once(store, Settings())

    port = imap.starttls_port if starttls else imap.port
    assert f"IMAP server 127.0.0.1:{port}" in str(failed.value)
    assert settings.bounce_imap_password.get_secret_value() not in str(failed.value)


def test_a_server_that_does_not_answer_is_unavailable(store: Store, monkeypatch: pytest.MonkeyPatch):
    port = free_port()
    monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_URL", f"imaps://bounces@127.0.0.1:{port}/INBOX")
    monkeypatch.setenv("PUBLISHER_BOUNCE_IMAP_PASSWORD", "secret-5e1f")

    with pytest.raises(ImapUnavailable, match=f"127.0.0.1:{port} cannot be reached"):
        poll_once(store, Settings())


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("imaps://bounces@mail.example.org/INBOX", ("mail.example.org", 993, "bounces", "INBOX", False)),
        ("imaps://b%40example.org@mail.example.org:1993", ("mail.example.org", 1993, "b@example.org", "INBOX", False)),
        (
            "imap://bounces@mail.example.org/Bounces%20in?starttls",
            ("mail.example.org", 143, "bounces", "Bounces in", True),
        ),
    ],
)
def test_mailbox_urls_are_read(url: str, expected: tuple):
    found = parse_url(url)

    assert (found.host, found.port, found.user, found.folder, found.starttls) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (None, "is not set"),
        ("https://bounces@mail.example.org/", "must look like"),
        ("imaps://mail.example.org/INBOX", "must look like"),
        ("imap://bounces@mail.example.org/INBOX", "needs ?starttls"),
        ("imaps://bounces:hunter2@mail.example.org/INBOX", "PUBLISHER_BOUNCE_IMAP_PASSWORD"),
        ("imaps://bounces@mail.example.org:99999/INBOX", "bad port"),
    ],
)
def test_a_bad_mailbox_url_is_a_clear_error(url: str | None, problem: str):
    with pytest.raises(ImapFailed, match=problem.replace("?", r"\?")) as failed:
        parse_url(url)

    assert "hunter2" not in str(failed.value)


def test_folder_names_are_quoted_in_modified_utf7():
    # RFC 3501 5.1.3's own example
    assert mailbox_name("~peter/mail/台北/日本語") == '"~peter/mail/&U,BTFw-/&ZeVnLIqe-"'
    assert mailbox_name('A "quoted" \\ & name') == '"A \\"quoted\\" \\\\ &- name"'
