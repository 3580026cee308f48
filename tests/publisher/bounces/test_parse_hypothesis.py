"""Hostile input: random bytes, truncated reports, wrong charsets, huge headers, nested messages, broken
base64. parse_report never raises, and ingest_message never suppresses an address that was not the failed
recipient of a send of ours."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select

from publisher.bounces import ingest_message, parse_report
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Suppression
from tests.support.bounce_corpus import CORPUS
from tests.support.dsn import postfix_dsn
from tests.support.factories import sent_to, subscribe

STANDARD = CORPUS / "standard"
QUICK = hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HARD = "550 5.1.1 <{0}>: Recipient address rejected: User unknown in virtual mailbox table"


def sample(name: str) -> bytes:
    return (STANDARD / name).read_bytes()


def recipients(raw: bytes) -> set[str]:
    return {r.email.lower() for r in parse_report(raw)}


@QUICK
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(data: bytes):
    assert isinstance(parse_report(data), list)


@QUICK
@given(st.sampled_from(["postfix-04.eml", "gmail-01.eml", "arf-aol-01.eml"]), st.data())
def test_random_bytes_anywhere_in_a_report_never_raise(name: str, data: st.DataObject):
    raw = sample(name)
    at = data.draw(st.integers(0, len(raw)))
    noise = data.draw(st.binary(min_size=1, max_size=300))

    assert isinstance(parse_report(raw[:at] + noise + raw[at:]), list)


@pytest.mark.parametrize("name", ["postfix-04.eml", "arf-aol-01.eml", "auto-01.eml"])
def test_every_prefix_of_a_report_reads_and_never_turns_into_a_suppression(name: str):
    raw = sample(name)
    whole = {r.email: r.kind for r in parse_report(raw)}

    for length in range(len(raw) + 1):
        for report in parse_report(raw[:length]):
            # A cut report names nobody new (but an address cut short), and never makes a bad address of a
            # sender-side bounce.
            [full] = [address for address in whole if address.startswith(report.email)] or [None]
            assert full is not None, f"prefix {length}: {report.email} invented"
            assert report.kind in (whole[full], "soft"), f"prefix {length}: {report.kind}"


CHARSETS = ["utf-7", "unicode-1-1-utf-7", "x-unknown", "utf-16", "utf-32", "iso-2022-jp", "cp1252", '""', "utf-8'en'"]


@QUICK
@given(st.one_of(st.sampled_from(CHARSETS), st.text(max_size=30)))
def test_a_wrong_or_unknown_charset_loses_nothing_the_status_part_says(charset: str):
    raw = sample("mailru-01.eml")
    label = charset.replace("\n", " ").replace("\r", " ").encode("utf-8", "replace")
    spoiled = re.sub(rb"charset=[^\s;]+", lambda _: b"charset=" + label, raw)

    assert recipients(spoiled) == {"reader181@example.ru"}


@pytest.mark.parametrize(
    "spoil",
    [
        lambda raw: raw.replace(b"Subject: ", b"Subject: " + b"x" * 100_000, 1),
        lambda raw: raw.replace(
            b"\nDate: ", b"".join(b"\nX-Filler-%d: %s" % (n, b"z" * 1000) for n in range(100)) + b"\nDate: ", 1
        ),
        lambda raw: raw.replace(b"Diagnostic-Code: smtp; ", b"Diagnostic-Code: smtp; " + b"w " * 50_000, 1),
        lambda raw: raw.replace(b"Subject: ", b"Subject: " + b"=?utf-8?b?" + b"A" * 100_000 + b"?= ", 1),
    ],
    ids=["100KB subject", "100 headers of 1KB", "100KB diagnostic", "100KB encoded word"],
)
def test_huge_headers_are_read_in_time(spoil):
    raw = spoil(sample("postfix-01.eml"))

    started = time.monotonic()
    found = recipients(raw)

    assert found == {"reader01@example.com"}
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("depth", [10, 200, 2000])
def test_nested_returned_messages_never_raise(depth: int):
    inner = sample("postfix-01.eml")
    for level in range(depth):
        inner = b"From: loop%d@example.net\nContent-Type: message/rfc822\n\n" % level + inner

    assert isinstance(parse_report(inner), list)


@QUICK
@given(st.data())
def test_broken_base64_loses_nothing_the_status_part_says(data: st.DataObject):
    raw = sample("mailru-02.eml")
    start = raw.index(b"Content-Transfer-Encoding: base64\n\n") + len(b"Content-Transfer-Encoding: base64\n\n")
    end = raw.index(b"\n\n", start)
    junk = data.draw(st.binary(min_size=1, max_size=200).filter(lambda b: b"\n\n" not in b and b"--" not in b))
    at = data.draw(st.integers(start, end))

    assert recipients(raw[:at] + junk + raw[at:]) == {"reader182@example.ru"}


# --- With a store: never a wrong suppression ---------------------------------------------------------------

READER, NEVER_SENT = "reader00000@example.com", ("reader00001@example.com", "reader00002@example.com")
ADDRESS = st.sampled_from([READER, *NEVER_SENT, "someone@example.net", "READER00001@EXAMPLE.COM"])


def test_ingest_suppresses_only_the_failed_recipient_of_a_send_of_ours(store: Store, settings: Settings):
    subscribe(store, "readers", 3)
    message_id = sent_to(store, READER)  # campaign 1 went to reader00000 only
    believable: list[bool] = []

    @hsettings(max_examples=40, deadline=None)
    @given(st.data())
    def check(data: st.DataObject):
        failed = data.draw(ADDRESS, label="failed recipient")
        quoted = data.draw(
            st.sampled_from(
                [message_id, "<publisher.c1.r2@example.org>", "<publisher.c9.r1@example.org>", "<x@example.net>"]
            ),
            label="returned Message-ID",
        )
        raw = postfix_dsn(failed, "5.1.1", HARD.format(failed), original_message_id=quoted)
        cut = data.draw(st.integers(len(raw) // 2, len(raw)), label="cut at")
        raw = raw[:cut] + data.draw(st.binary(max_size=50), label="noise") + raw[cut:]
        believable.append(failed == READER and quoted == message_id)

        ingest_message(store, settings, raw, source="hypothesis")

        with store.session() as session:
            suppressed = set(session.scalars(select(Suppression.email)))
        assert suppressed <= {READER}
        assert not suppressed or any(believable)

    check()
