import email
import email.policy

import pytest

from publisher.channels import Email, PermanentError, Post, TransientError
from publisher.channels.smtp import SmtpChannel, SmtpConfig
from tests.support.services import free_port
from tests.support.smtp import SmtpServer


def message(to: str, n: int = 1) -> Email:
    raw = (
        f"From: a@example.org\r\nTo: {to}\r\nMessage-ID: <m{n}@example.org>\r\nSubject: hi\r\n\r\n.dot line\r\nbody\r\n"
    ).encode()
    return Email(message_id=f"<m{n}@example.org>", sender="a@example.org", recipient=to, raw=raw)


def test_sends_many_messages_over_one_connection(smtp_server: SmtpServer):
    channel = SmtpChannel(SmtpConfig(host=smtp_server.host, port=smtp_server.port))
    results = [channel.send(message(f"r{i}@example.com", i)) for i in range(5)]
    channel.close()

    assert [r.provider_id for r in results] == [f"<m{i}@example.org>" for i in range(5)]
    received = smtp_server.wait_for(5)
    assert [m.rcpt_tos for m in received] == [[f"r{i}@example.com"] for i in range(5)]
    parsed = email.message_from_bytes(received[0].data, policy=email.policy.default)
    assert parsed.get_content().startswith(".dot line")  # dot-stuffing survived the round trip


def test_550_for_a_mailbox_is_permanent(smtp_server: SmtpServer):
    smtp_server.handler.reject["gone@example.com"] = "550 5.1.1 <gone@example.com>: user unknown"
    channel = SmtpChannel(SmtpConfig(host=smtp_server.host, port=smtp_server.port))
    with pytest.raises(PermanentError, match="550 5.1.1"):
        channel.send(message("gone@example.com"))
    # the connection is still usable for the next recipient
    assert channel.send(message("ok@example.com", 2)).provider_id == "<m2@example.org>"
    channel.close()


def test_451_is_transient(smtp_server: SmtpServer):
    smtp_server.handler.reject["busy@example.com"] = "451 4.3.0 try again later"
    channel = SmtpChannel(SmtpConfig(host=smtp_server.host, port=smtp_server.port))
    with pytest.raises(TransientError, match="451"):
        channel.send(message("busy@example.com"))
    channel.close()


def test_dead_server_is_transient():
    channel = SmtpChannel(SmtpConfig(host="127.0.0.1", port=free_port(), timeout=2))
    with pytest.raises(TransientError, match="cannot reach SMTP server"):
        channel.send(message("a@example.com"))


def test_share_posts_are_not_for_smtp():
    channel = SmtpChannel(SmtpConfig(host="127.0.0.1", port=free_port()))
    with pytest.raises(PermanentError):
        channel.send(Post(text="t", url="u", title="t", summary="s", idempotency_key="k"))
