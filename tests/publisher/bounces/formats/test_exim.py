"""Exim's own bounces: every failed address with the remote server's words, reply, status and host."""

from __future__ import annotations

from publisher.bounces.formats import exim
from tests.publisher.bounces.formats.mail import message

HEAD = (
    "This message was created automatically by mail delivery software.\n\n"
    "A message that you sent could not be delivered to one or more of its\n"
    "recipients. This is a permanent error. The following address(es) failed:\n\n"
)
COPY = "\n------ This is a copy of the message, including all the headers. ------\n\nTo: someone@example.com\n"


def test_each_failed_address_comes_with_the_remote_servers_reply_status_and_host():
    body = (
        HEAD + "  ana@example.com\n    SMTP error from remote mail server after RCPT TO:<ana@example.com>:\n"
        "    host mx.example.com [192.0.2.10]: 550 5.1.1 <ana@example.com>... User Unknown\n"
        "  bo@example.net\n    SMTP error from remote mail server after RCPT TO:<bo@example.net>:\n"
        "    host mx.example.net [192.0.2.11]: 452 4.2.2 Mailbox full\n" + COPY
    )

    found = exim.read(message(body))

    assert found is not None
    assert [(f.email, f.status, f.reply_code, f.remote_mta) for f in found] == [
        ("ana@example.com", "5.1.1", "550", "mx.example.com"),
        ("bo@example.net", "4.2.2", "452", "mx.example.net"),
    ]
    assert found[0].diagnostic is not None and found[0].diagnostic.endswith(
        "550 5.1.1 <ana@example.com>... User Unknown"
    )
    assert "someone@example.com" not in {f.email for f in found}  # the returned copy is not read


def test_x_failed_recipients_names_the_address_when_the_body_does_not():
    body = HEAD + "  an undisclosed address\n    retry timeout exceeded\n" + COPY

    found = exim.read(message(body, X_Failed_Recipients="finn@example.com"))

    assert found is not None
    assert [(f.email, f.reason, f.status) for f in found] == [("finn@example.com", "expired", "5.0.0")]


def test_exims_own_routing_message_names_the_reason():
    found = exim.read(message(HEAD + "  eve@example.invalid\n    Unrouteable address\n" + COPY))

    assert found is not None and [(f.email, f.reason) for f in found] == [("eve@example.invalid", "hostunknown")]


def test_a_delay_warning_is_recognised_and_holds_no_failure():
    body = (
        "This message was created automatically by mail delivery software.\n"
        "A message that you sent has not yet been delivered to one or more of its\nrecipients after more than 24"
        " hours on the queue.\n\n  nia@example.com\n    host mx.example.com [192.0.2.18]: Connection timed out\n\n"
        "No action is required on your part. Delivery attempts will continue for\nsome time.\n"
    )

    assert exim.read(message(body, Subject="Warning: message 1tQmZk-0007Xa-3v delayed 24 hours")) == []


def test_a_person_forwarding_an_exim_bounce_is_not_read_as_one():
    body = "Is your list OK?\n\n---------- Forwarded message ---------\n" + HEAD + "  nils@example.com\n    550 5.1.1\n"

    forwarded = message(body, Return_Path="<mona@example.com>", From="Mona <mona@example.com>", Subject="Fwd: failed")

    assert exim.read(forwarded) == []


def test_a_message_without_exims_words_is_not_exims():
    assert exim.read(message("Hello, just a note.\n  ana@example.com\n    550 5.1.1 User unknown\n")) is None


def test_without_an_address_in_the_body_or_the_header_the_returned_copys_to_names_it():
    words = "  kijitora\n    SMTP error from remote mail server after RCPT TO:<kijitora>:\n    550 5.1.1 unknown\n"
    body = HEAD + words + COPY

    found = exim.read(message(body))

    assert found is not None and [(f.email, f.status) for f in found] == [("someone@example.com", "5.1.1")]
