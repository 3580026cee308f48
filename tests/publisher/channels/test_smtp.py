import email
import email.policy
import socket
import threading
import time

import pytest

from publisher.channels import ConnectionFailed, Email, PermanentError, Post, RecipientRejected, TransientError
from publisher.channels.smtp import SmtpChannel, SmtpConfig, parse_servers
from tests.support.services import free_port
from tests.support.smtp import FlakySmtpServer, SmtpServer


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


# Delivery (issue 4): pipelining, failover, classification of refusals.


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "plain"])
def test_replies_are_classified_the_same_with_and_without_pipelining(smtp_server: SmtpServer, pipelining: bool):
    smtp_server.handler.pipelining = pipelining
    smtp_server.handler.reject["gone@example.com"] = "550 5.1.1 user unknown"
    smtp_server.handler.reject["busy@example.com"] = "451 4.3.0 try again later"
    channel = SmtpChannel(SmtpConfig(host=smtp_server.host, port=smtp_server.port))

    with pytest.raises(RecipientRejected, match="550 5.1.1") as rejected:
        channel.send(message("gone@example.com", 1))
    with pytest.raises(TransientError, match="451") as busy:
        channel.send(message("busy@example.com", 2))
    results = [channel.send(message(f"ok{i}@example.com", 10 + i)) for i in range(3)]
    channel.close()

    assert rejected.value.recipient == "gone@example.com"
    assert not isinstance(busy.value, ConnectionFailed)
    assert [r.provider_id for r in results] == [f"<m{10 + i}@example.org>" for i in range(3)]
    received = smtp_server.wait_for(3)
    assert [m.rcpt_tos for m in received] == [[f"ok{i}@example.com"] for i in range(3)]
    parsed = email.message_from_bytes(received[0].data, policy=email.policy.default)
    assert parsed.get_content().startswith(".dot line")


def test_a_pool_fails_over_and_stays_on_the_server_that_works(smtp_server: SmtpServer):
    dead = SmtpConfig(host="127.0.0.1", port=free_port(), timeout=2)
    channel = SmtpChannel([dead, SmtpConfig(host=smtp_server.host, port=smtp_server.port)])

    channel.send(message("a@example.com", 1))
    channel.send(message("b@example.com", 2))
    channel.close()

    assert channel.config.port == smtp_server.port
    assert len(smtp_server.wait_for(2)) == 2


def test_a_pool_with_every_server_down_is_a_connection_failure():
    channel = SmtpChannel([SmtpConfig(host="127.0.0.1", port=free_port(), timeout=2) for _ in range(2)])
    with pytest.raises(ConnectionFailed, match="cannot reach SMTP server .*; cannot reach SMTP server"):
        channel.send(message("a@example.com"))


def test_421_greeting_is_a_connection_failure():
    flaky = FlakySmtpServer(refusals=1).start()
    try:
        channel = SmtpChannel(SmtpConfig(host=flaky.host, port=flaky.port))
        with pytest.raises(ConnectionFailed, match="421 4.3.2"):
            channel.send(message("a@example.com"))
        flaky.server.wait_for(0)
        for _ in range(50):  # the server comes up on the same port a moment later
            try:
                channel.send(message("a@example.com", 2))
                break
            except ConnectionFailed:
                time.sleep(0.05)
        channel.close()
        assert [m.rcpt_tos for m in flaky.server.wait_for(1)] == [["a@example.com"]]
    finally:
        flaky.stop()


def test_the_password_never_shows_in_the_config_repr():
    assert "s3cret" not in repr(SmtpConfig(host="h", username="u", password="s3cret"))


@pytest.mark.parametrize(
    ("spec", "servers"),
    [
        ("mx1.example.org", [("mx1.example.org", 25)]),
        ("mx1:2525, mx2", [("mx1", 2525), ("mx2", 25)]),
    ],
)
def test_server_lists_are_parsed_in_failover_order(spec: str, servers):
    assert parse_servers(spec, 25) == servers


@pytest.mark.parametrize("spec", ["", "mx1:port", ":25"])
def test_bad_server_lists_are_refused(spec: str):
    with pytest.raises(ValueError):
        parse_servers(spec, 25)


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "plain"])
def test_send_many_yields_one_outcome_per_message_in_order(smtp_server: SmtpServer, pipelining: bool):
    smtp_server.handler.pipelining = pipelining
    smtp_server.handler.reject["gone@example.com"] = "550 5.1.1 user unknown"
    smtp_server.handler.reject["busy@example.com"] = "451 4.3.0 try again later"
    to = ["a@example.com", "gone@example.com", "b@example.com", "busy@example.com", "c@example.com"]
    channel = SmtpChannel(SmtpConfig(host=smtp_server.host, port=smtp_server.port))

    outcomes = list(channel.send_many(message(address, n) for n, address in enumerate(to)))
    outcomes += list(channel.send_many([Post(text="t", url="u", title="t", summary="s", idempotency_key="k")]))
    channel.close()

    kinds = [type(o).__name__ for o in outcomes]
    assert kinds == ["Result", "RecipientRejected", "Result", "TransientError", "Result", "PermanentError"]
    assert [o.provider_id for o in outcomes if hasattr(o, "provider_id")] == [
        "<m0@example.org>",
        "<m2@example.org>",
        "<m4@example.org>",
    ]
    assert [m.rcpt_tos for m in smtp_server.wait_for(3)] == [["a@example.com"], ["b@example.com"], ["c@example.com"]]


def test_closing_send_many_early_never_delivers_a_half_sent_message(smtp_server: SmtpServer):
    channel = SmtpChannel(SmtpConfig(host=smtp_server.host, port=smtp_server.port))
    outcomes = channel.send_many(message(f"r{i}@example.com", i) for i in range(5))

    first, second = next(outcomes), next(outcomes)
    outcomes.close()  # the third message's envelope is accepted, its body never sent
    channel.close()

    assert first.status == second.status == "sent"
    time.sleep(0.2)  # let the server finish reading what it has
    assert [m.rcpt_tos for m in smtp_server.messages] == [["r0@example.com"], ["r1@example.com"]]


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "plain"])
def test_a_421_mid_session_drops_the_connection_and_the_next_message_reconnects(
    smtp_server: SmtpServer, pipelining: bool
):
    smtp_server.handler.pipelining = pipelining
    smtp_server.handler.reject["closing@example.com"] = "421 4.3.2 shutting down"
    channel = SmtpChannel(SmtpConfig(host=smtp_server.host, port=smtp_server.port))

    outcomes = list(channel.send_many([message("closing@example.com", 1), message("ok@example.com", 2)]))
    channel.close()

    assert isinstance(outcomes[0], ConnectionFailed) and "421 4.3.2" in str(outcomes[0])
    assert outcomes[1].provider_id == "<m2@example.org>"
    assert [m.rcpt_tos for m in smtp_server.wait_for(1)] == [["ok@example.com"]]


def test_send_is_send_many_of_one_message(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch):
    channel = SmtpChannel(SmtpConfig(host=smtp_server.host, port=smtp_server.port))
    batches: list[list] = []
    send_many = channel.send_many

    def recording(messages):
        batch = list(messages)
        batches.append(batch)
        return send_many(batch)

    monkeypatch.setattr(channel, "send_many", recording)
    assert channel.send(message("a@example.com", 7)).provider_id == "<m7@example.org>"
    with pytest.raises(PermanentError, match="line break or bracket"):
        channel.send(message("bad>@example.com", 8))
    channel.close()
    assert [[m.message_id for m in batch] for batch in batches] == [["<m7@example.org>"], ["<m8@example.org>"]]


def test_a_connection_lost_mid_message_is_reset_so_its_buffered_rest_is_never_delivered_later():
    # A server that takes a message's data and then falls silent, as one behind a network that went down.
    # The client gives up after its timeout; a plain close would leave the unsent rest of the data (and its
    # final ".") to the kernel, delivered when the network is back, after the row was put back or taken over.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    seen: dict[str, object] = {}

    def silent_after_data() -> None:
        conn, _ = listener.accept()
        lines = conn.makefile("rb")
        conn.sendall(b"220 mail.test\r\n")
        while line := lines.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO", b"MAIL", b"RCPT"):
                conn.sendall(b"250 ok\r\n")
            elif verb == b"DATA":
                conn.sendall(b"354 go on\r\n")
                while lines.readline() not in (b".\r\n", b""):
                    pass
                break
        conn.settimeout(10)
        try:
            seen["after"] = conn.recv(1)  # b"": an orderly close (FIN)
        except ConnectionResetError:
            seen["after"] = "reset"
        conn.close()

    server = threading.Thread(target=silent_after_data)
    server.start()
    channel = SmtpChannel(SmtpConfig(host="127.0.0.1", port=port, timeout=0.5))
    message = Email("<m1@example.org>", "news@example.org", "reader@example.com", b"Subject: hi\r\n\r\nhello\r\n")

    [outcome] = list(channel.send_many([message]))
    channel.close()
    server.join(15)
    listener.close()

    assert isinstance(outcome, ConnectionFailed)
    assert seen["after"] == "reset"
