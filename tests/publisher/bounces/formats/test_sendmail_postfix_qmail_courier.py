"""The classic MTAs' plain-text bounces: Sendmail, Postfix (not MIME), qmail and Courier."""

from __future__ import annotations

from publisher.bounces.formats import courier, postfix, qmail, sendmail
from publisher.bounces.reasons import Verdict, classify
from tests.publisher.bounces.formats.mail import message


def test_sendmail_reads_the_transcripts_reply_and_the_host_it_talked_to():
    body = (
        "   ----- The following addresses had permanent fatal errors -----\n<olga@example.com>\n"
        "    (reason: 550 5.1.1 <olga@example.com>... User unknown)\n\n"
        "   ----- Transcript of session follows -----\n... while talking to mx.example.com.:\n"
        ">>> RCPT To:<olga@example.com>\n<<< 550 5.1.1 <olga@example.com>... User unknown\n"
        "   ----- Original message follows -----\nTo: olga@example.com\n"
    )

    found = sendmail.read(message(body))

    assert found is not None
    assert [(f.email, f.status, f.reply_code, f.remote_mta) for f in found] == [
        ("olga@example.com", "5.1.1", "550", "mx.example.com")
    ]


def test_sendmail_warning_only_is_no_failure():
    body = (
        "    **      THIS IS A WARNING MESSAGE ONLY      **\n\n"
        "   ----- The following addresses had transient non-fatal errors -----\n<sam@example.net>\n\n"
        "   ----- Transcript of session follows -----\n<sam@example.net>... Deferred: Connection timed out\n"
    )

    assert sendmail.read(message(body)) == []


def test_sendmail_says_expired_when_the_message_sat_in_the_queue_for_days():
    body = (
        "   ----- The following addresses had permanent fatal errors -----\n<quinn@example.net>\n\n"
        "   ----- Transcript of session follows -----\n"
        "451 4.4.1 <quinn@example.net>... Message could not be delivered for 5 days\n"
    )

    found = sendmail.read(message(body))

    assert found is not None and [(f.email, f.reason) for f in found] == [("quinn@example.net", "expired")]


def test_postfix_reads_each_paragraph_with_the_reply_after_said():
    body = (
        "This is the mail system at host relay.example.net.\n\nI'm sorry to have to inform you that your message"
        " could not\nbe delivered to one or more recipients. It's attached below.\n\n"
        "<dan@example.com>: host mx.example.com[192.0.2.30] said: 550 5.1.1 <dan@example.com>:\n"
        "    Recipient address rejected: User unknown (in reply to RCPT TO command)\n\n"
        "<eli@example.invalid>: Host or domain name not found. Name service error for\n"
        "    name=example.invalid type=A: Host not found\n\n--- Delivery report unavailable ---\nTo: x@example.com\n"
    )

    found = postfix.read(message(body))

    assert found is not None
    assert [(f.email, f.status, f.reply_code, f.remote_mta, f.reason) for f in found] == [
        ("dan@example.com", "5.1.1", "550", "mx.example.com", None),
        ("eli@example.invalid", None, None, None, "hostunknown"),
    ]


def test_postfix_reply_without_a_status_is_never_read_from_the_ip_address():
    body = "This is the mail system at host x.\n\n<a@example.com>: host y[1.2.3.4] said: 550 no such user here\n"

    found = postfix.read(message(body))

    assert found is not None and (found[0].status, found[0].reply_code) == (None, "550")
    assert classify(found[0].status, found[0].reply_code, found[0].diagnostic) == Verdict("userunknown", True)


def test_qmail_vpopmail_and_remote_host_said_are_read():
    body = (
        "Hi. This is the qmail-send program at mail.example.net.\nI'm afraid I wasn't able to deliver your message"
        " to the following addresses.\nThis is a permanent error; I've given up.\n\n"
        "<walt@example.net>:\nSorry, no mailbox here by that name. vpopmail (#5.1.1)\n\n"
        "<vic@example.com>:\nConnected to 192.0.2.20 but sender was rejected.\n"
        "Remote host said: 553 sorry, your envelope sender domain must exist (#5.7.1)\n\n"
        "--- Below this line is a copy of the message.\n\nTo: x@example.com\n"
    )

    found = qmail.read(message(body))

    assert found is not None
    assert [(f.email, f.status, f.reply_code, f.remote_mta, f.reason) for f in found] == [
        ("walt@example.net", "5.1.1", None, None, "userunknown"),
        ("vic@example.com", "5.7.1", "553", "192.0.2.20", "rejected"),
    ]


def test_courier_reads_the_reply_lines_and_the_host():
    body = (
        "This is a delivery status notification from mx.example.net,\nrunning the Courier mail server.\n\n"
        "                           UNDELIVERABLE MAIL\n\nYour message to the following recipients cannot be"
        " delivered:\n\n<kim@example.com>:\n    mx.example.com [192.0.2.40]:\n>>> RCPT TO:<kim@example.com>\n"
        "<<< 550 5.1.1 <kim@example.com>... User Unknown\n\n-----------------------------------------\n"
    )

    found = courier.read(message(body))

    assert found is not None
    assert [(f.email, f.status, f.reply_code, f.remote_mta) for f in found] == [
        ("kim@example.com", "5.1.1", "550", "mx.example.com")
    ]
    assert found[0].diagnostic == "550 5.1.1 <kim@example.com>... User Unknown"


def test_courier_delay_notice_is_no_failure():
    body = (
        "This is a delivery status notification from mx.example.net,\nrunning the Courier mail server.\n\n"
        "Your message to the following recipients has been delayed:\n\n<ned@example.net>:\n<<< 451 4.3.0 later\n"
    )

    assert courier.read(message(body)) == []
