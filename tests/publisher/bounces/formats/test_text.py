"""The helpers the readers share: text from any body, the remote host, a person's mail told from a bounce."""

from __future__ import annotations

from publisher.bounces.formats.text import any_text, command_reason, found, from_a_person, html_text, remote_of
from tests.publisher.bounces.formats.mail import message


def test_html_text_keeps_the_words_one_block_a_line():
    text = html_text(
        "<html><head><style>p{}</style></head><body><p>Your message to <a>x@example.com</a></p>"
        "<p>Remote Server returned &#39;550 5.1.1&#39;</p></body></html>"
    )

    assert [line for line in text.splitlines() if line] == [
        "Your message to x@example.com",
        "Remote Server returned '550 5.1.1'",
    ]


def test_any_text_reads_an_html_only_body():
    html = message(
        "<html><body><p>Delivery has failed to these recipients or groups:</p></body></html>",
        Content_Type="text/html; charset=utf-8",
    )

    assert "Delivery has failed to these recipients or groups:" in any_text(html)


def test_remote_host_is_read_from_the_usual_wordings():
    assert remote_of("host mx.example.com[192.0.2.1] said: 550 5.1.1 User unknown") == "mx.example.com"
    assert remote_of("Connected to 192.0.2.21 but sender was rejected.") == "192.0.2.21"
    assert remote_of("Remote host said: 550 no such user") is None  # "said" is no host


def test_found_reads_status_reply_and_host_from_the_words():
    block = found("<ana@example.com>:", "host mx.example.com [192.0.2.10]: 550 5.1.1 <ana@example.com>... User Unknown")

    assert (block.email, block.status, block.reply_code, block.remote_mta) == (
        "ana@example.com",
        "5.1.1",
        "550",
        "mx.example.com",
    )


def test_found_takes_the_class_the_mta_gave_when_the_words_have_no_code():
    assert found("a@example.com", "Unrouteable address", permanent=True).status == "5.0.0"
    assert found("a@example.com", "Unrouteable address", permanent=False).status == "4.0.0"
    assert found("a@example.com", "Unrouteable address").status is None


def test_a_daemons_bounce_is_not_a_persons_mail():
    assert not from_a_person(message("x"))
    assert not from_a_person(message("x", Return_Path="<bounce@example.net>", From="postmaster@example.net"))


def test_a_person_quoting_or_forwarding_a_bounce_is_a_persons_mail():
    person = {"Return_Path": "<otto@example.net>", "From": "Otto <otto@example.net>"}

    assert from_a_person(message("they said: user unknown", **person, Subject="Question"))
    assert from_a_person(message("x", **person, Subject="Fwd: Undeliverable"))
    assert from_a_person(message("x"), "hi\n---------- Forwarded message ---------\nFrom: MAILER-DAEMON")


def test_a_daemons_bounce_under_a_reply_subject_is_still_a_bounce():
    # Verizon's (Apache James) bounces come as "Re: <subject>" from post_master@.
    assert not from_a_person(message("x", Return_Path="", From="post_master@vtext.example.com", Subject="Re:Test"))


def test_a_refused_mail_from_is_the_sender_address_and_a_refused_greeting_the_sending_host():
    assert command_reason(
        "SMTP error from remote mail server after MAIL FROM:<a@b.example>: 550 Unroutable sender"
    ) == ("rejected")
    assert command_reason("SMTP error from remote mail server after initial connection: 554 go away") == "blocked"
    assert command_reason(">>> MAIL FROM:<a@b.example>\n<<< 550 blocked using zen.spamhaus.org") is None  # words decide
    assert command_reason("SMTP error from remote mail server after RCPT TO:<a@b.example>: 550 no such user") is None
