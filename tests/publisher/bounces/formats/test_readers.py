"""What every format reader promises: it never raises, never reads a person's mail as a bounce, reads the
same mail alike whatever its line ends, and each registered reader is covered by the corpus."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.bounces import formats, parse_report
from tests.publisher.bounces.formats.mail import message
from tests.support.bounce_corpus import samples

READERS = dict(formats.READERS)
TELLTALES = [
    "This message was created automatically by mail delivery software.\n\n  a@example.com\n    550 5.1.1\n",
    "   ----- The following addresses had permanent fatal errors -----\n<a@example.com>\n",
    "Hi. This is the qmail-send program at x.\n<a@example.com>:\nRemote host said: 550\n",
    "This is the mail system at host x.\n\n<a@example.com>: host y[1.2.3.4] said: 550 5.1.1 x\n",
    "Delivery has failed to these recipients or groups:\n\na@example.com\n#550 5.1.1 RESOLVER.ADR.RecipNotFound ##\n",
    "Delivery to the following recipient failed permanently:\n\n   a@example.com\n\nTechnical details of permanent"
    " failure:\n550 5.1.1",
    "Sorry, we were unable to deliver your message to the following address.\n\n<a@example.com>:\n554 dd\n",
    "The following message to <a@example.com> was undeliverable.\nThe reason for the problem:\n5.1.0 - x 550-'x'\n",
    "Ihre Nachricht konnte nicht zugestellt werden.\nEmpfänger: a@example.com\nFehler: 550 5.1.1 x\n",
]


def _read(raw: bytes) -> list[tuple[object, ...]]:
    # report_id is a hash of the bytes when the report has no Message-ID: it differs with the line ends.
    return [
        (r.email, r.reason, r.hard, r.status, r.reply_code, r.diagnostic, r.remote_mta, r.format)
        for r in parse_report(raw)
    ]


def _parsed(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.mark.parametrize("name", sorted(READERS))
def test_every_reader_is_covered_by_corpus_samples(name):
    assert any(s.format == name and s.reason != "none" for s in samples()), f"no corpus sample is read by {name}"


@pytest.mark.parametrize("body", TELLTALES)
def test_a_persons_mail_quoting_a_bounce_is_read_as_none_by_any_reader(body):
    person = message(body, Return_Path="<otto@example.net>", From="Otto <otto@example.net>", Subject="Look at this")

    for name, read in formats.READERS:
        assert not read(person), f"{name} read a person's mail as a bounce"


@pytest.mark.parametrize("body", TELLTALES)
def test_the_same_bounce_reads_the_same_with_crlf_line_ends(body):
    lf = message(body).as_bytes()

    crlf = lf.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    assert _read(crlf) == _read(lf) != []


def test_every_corpus_sample_reads_the_same_with_crlf_line_ends():
    for sample in {s.path for s in samples()}:
        raw = sample.read_bytes()
        assert parse_report(raw.replace(b"\n", b"\r\n")) == parse_report(raw), sample.name


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    telltale=st.sampled_from(TELLTALES),
    noise=st.text(max_size=400),
    cut=st.integers(min_value=0, max_value=400),
    charset=st.sampled_from(["utf-8", "iso-2022-jp", "x-bogus", "koi8-r"]),
)
def test_no_reader_raises_on_truncated_noisy_or_wrongly_labelled_bounces(telltale, noise, cut, charset):
    body = (telltale + noise)[: cut or None]
    raw = (
        f"Return-Path: <>\nFrom: MAILER-DAEMON@x.example.net\nX-Failed-Recipients: {noise[:50]}\n"
        f"Content-Type: text/plain; charset={charset}\n\n{body}"
    ).encode("utf-8", "surrogatepass")
    parsed = _parsed(raw)

    for name, read in formats.READERS:
        result = read(parsed)  # called directly: no caller's try/except to hide an exception
        assert result is None or all(isinstance(f.email, str) for f in result), name


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_no_reader_raises_on_random_bytes(data):
    parsed = _parsed(b"Return-Path: <>\nFrom: MAILER-DAEMON@x\n\n" + data)

    for _, read in formats.READERS:
        read(parsed)


def test_a_huge_header_and_body_are_read_without_error():
    body = TELLTALES[0] + ("x" * 999 + "\n") * 600
    huge = message(body, X_Failed_Recipients="a@example.com, " * 5000)

    for _, read in formats.READERS:
        read(huge)
