"""Reading RFC 3464 reports and ARF complaints: the evidence kept, the MTA named, the provider corrected,
auto-replies told from bounces. The samples are the standard corpus (corpus/standard/)."""

from __future__ import annotations

import email
import email.policy

import pytest

from publisher.bounces import parse_report
from publisher.bounces.formats import is_auto_reply, name_of
from publisher.bounces.parse import read_blocks
from tests.support.bounce_corpus import CORPUS
from tests.support.dsn import postfix_dsn

STANDARD = CORPUS / "standard"


def sample(name: str) -> bytes:
    return (STANDARD / name).read_bytes()


def message_of(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def test_a_report_keeps_status_reply_code_diagnostic_remote_mta_and_the_original_send():
    [report] = parse_report(sample("postfix-01.eml"))

    assert (report.status, report.reply_code, report.remote_mta) == ("5.1.1", "550", "mx.example.com")
    assert "User unknown in virtual mailbox table" in report.diagnostic
    assert report.message_id == "<publisher.c3.r101@example.org>"
    assert report.sent_to.startswith("bounces+c3.r101.")


def test_a_status_with_a_comment_is_stored_as_its_code():
    raw = postfix_dsn("a@example.com", "5.1.1 (bad destination mailbox address)", "550 5.1.1 user unknown")

    [report] = parse_report(raw)

    assert (report.status, report.reason) == ("5.1.1", "userunknown")


def test_every_failed_recipient_of_a_report_is_read():
    reports = parse_report(sample("postfix-10.eml"))

    assert sorted((r.email, r.reason, r.hard) for r in reports) == [
        ("reader10a@example.com", "userunknown", True),
        ("reader10b@example.com", "mailboxfull", False),
    ]


@pytest.mark.parametrize(
    ("name", "writer"),
    [
        ("postfix-01.eml", "postfix"),
        ("sendmail-01.eml", "sendmail"),
        ("exim-01.eml", "exim"),
        ("courier-01.eml", "courier"),
        ("gmail-01.eml", "gmail"),
        ("office365-01.eml", "office365"),
        ("office365-05.eml", "office365"),
        ("yahoo-01.eml", "yahoo"),
        ("yahoo-05.eml", "yahoo"),
        ("icloud-01.eml", "icloud"),
        ("ses-01.eml", "ses"),
        ("sendgrid-01.eml", "sendgrid"),
        ("mailgun-01.eml", "mailgun"),
        ("postmark-01.eml", "postmark"),
        ("zoho-01.eml", "zoho"),
        ("gmx-01.eml", "gmx"),
        ("gmx-02.eml", "gmx"),
        ("mailru-01.eml", "mailru"),
        ("generic-01.eml", "rfc3464"),
    ],
)
def test_the_writer_of_a_report_is_named(name, writer):
    assert name_of(message_of(sample(name)), "rfc3464") == writer


def test_the_returned_message_names_no_writer():
    # Our own message carries no provider's headers, but if it did (a forward), they would not count.
    raw = sample("generic-01.eml").replace(
        b"Message-ID: <publisher.", b"X-Gm-Message-State: AOJu0Y\nMessage-ID: <publisher."
    )

    assert name_of(message_of(raw), "rfc3464") == "rfc3464"


def test_a_report_without_diagnostic_takes_the_words_of_its_human_readable_part():
    # Gmail's DSN says only 5.0.0; its text quotes the remote server.
    [report] = parse_report(sample("gmail-08.eml"))

    assert (report.reason, report.hard, report.reply_code) == ("userunknown", True, "550")
    assert "User unknown in virtual mailbox table" in report.diagnostic


def test_microsofts_recipient_not_found_is_a_user_unknown_whatever_its_status():
    [report] = parse_report(sample("office365-01.eml"))

    assert (report.status, report.reason, report.hard, report.kind) == ("5.1.10", "userunknown", True, "hard")


def test_a_corrected_provider_code_on_a_delay_is_still_no_bounce():
    raw = sample("office365-01.eml").replace(b"Action: failed", b"Action: delayed")

    assert parse_report(raw) == []


def test_a_delayed_report_and_a_delivery_report_are_no_bounce():
    assert parse_report(sample("postfix-11.eml")) == []
    assert parse_report(sample("generic-12.eml")) == []


def test_a_blocklisted_sending_ip_is_the_senders_problem():
    [report] = parse_report(sample("postfix-04.eml"))

    assert (report.reason, report.hard, report.kind) == ("blocked", False, "sender")


@pytest.mark.parametrize("name", sorted(p.name for p in STANDARD.glob("arf-*.eml")))
def test_complaints_name_their_recipient(name):
    [report] = parse_report(sample(name))

    assert (report.format, report.reason, report.kind) == ("arf", "feedback", "complaint")
    assert report.email.endswith("@example.com")


def test_a_jmrp_complaint_without_removal_recipient_reads_the_hotmail_header():
    raw = b"\n".join(
        line for line in sample("arf-jmrp-01.eml").split(b"\n") if not line.startswith(b"Removal-Recipient")
    )

    [report] = parse_report(raw)

    assert report.email == "reader223@example.com"


@pytest.mark.parametrize("name", sorted(p.name for p in STANDARD.glob("auto-*.eml")))
def test_auto_replies_are_no_bounces(name):
    message = message_of(sample(name))

    assert is_auto_reply(message)
    assert read_blocks(message) == ([], "autoreply")


def test_a_mailer_daemons_bounce_is_never_an_auto_reply():
    raw = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\nTo: news@example.org\n"
        b"Subject: Automatic reply: undeliverable\nAuto-Submitted: auto-replied\nX-Autoreply: yes\n\n"
        b"<reader@example.com>: 550 5.1.1 user unknown\n"
    )

    assert not is_auto_reply(message_of(raw))


def test_a_report_is_never_an_auto_reply():
    assert not is_auto_reply(message_of(sample("postfix-01.eml")))


def test_a_persons_ordinary_mail_is_no_auto_reply():
    raw = b"From: Reader <reader@example.com>\nTo: news@example.org\nSubject: Re: This week\n\nThanks!\n"

    assert not is_auto_reply(message_of(raw))


def test_every_standard_sample_is_read_without_the_heuristic_reader():
    # The standard corpus is RFC 3464, ARF, auto-replies and notices: flufl.bounce's guesses decide none.
    formats = {r.format for path in sorted(STANDARD.glob("*.eml")) for r in parse_report(path.read_bytes())}

    assert "flufl" not in formats


def test_a_notice_quoting_addresses_in_json_names_nobody():
    # Amazon SES's delivery notification mailed as JSON: the heuristic reader must not take words for addresses.
    assert parse_report(sample("ses-04.eml")) == []


def test_dsn_fields_pasted_into_a_text_part_are_read():
    [report] = parse_report(sample("workmail-01.eml"))

    assert (report.email, report.status, report.reason, report.format) == (
        "reader246@example.com",
        "5.1.1",
        "userunknown",
        "ses",
    )
