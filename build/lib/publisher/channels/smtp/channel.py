"""The SMTP channel: one connection reused across a batch, one send path for one message or many.

`send` is `send_many` of one message. Where the server offers PIPELINING (RFC 2920), MAIL, RCPT and DATA
go out in one write, and the body of one message goes out with the next one's envelope, so a message
costs one round trip; without it the same commands go one at a time. Either way the replies are read by
the same rules (publisher.channels.smtp.replies).
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Self

from publisher.channels.account import Account
from publisher.channels.base import Channel, ChannelError, ConnectionFailed, Email, Message, Result
from publisher.channels.smtp.config import SmtpConfig, configs_from
from publisher.channels.smtp.connection import ServerPool, quit_quietly
from publisher.channels.smtp.replies import Reply, body, classify, envelope_error, envelope_problem
from publisher.config import Settings

# What a dead or vanished connection raises while we talk to it.
_GONE = (TimeoutError, smtplib.SMTPServerDisconnected, OSError)


def _final(message: Email, reply: Reply) -> Result | ChannelError:
    """The outcome of a message from the reply to its body."""
    code, text = reply
    if code == 250:
        return Result(status="sent", provider_id=message.message_id)
    return classify(code, text, f"message to {message.recipient}")


@dataclass
class _Pending:
    """A message the server said 354 to, whose body goes out with the next write."""

    message: Email
    body: bytes
    error: ChannelError | None = None  # set when MAIL or RCPT failed but the server still said 354
    reset_after: bool = False

    def outcome(self, reply: Reply) -> Result | ChannelError:
        return self.error if self.error is not None else _final(self.message, reply)


class SmtpChannel(Channel):
    """Sends Email messages through a pool of SMTP servers (failover in order); not for share posts."""

    network = "smtp"

    def __init__(self, config: SmtpConfig | Sequence[SmtpConfig]) -> None:
        self.name = "smtp"
        self.pool = ServerPool([config] if isinstance(config, SmtpConfig) else list(config))
        self._conn: smtplib.SMTP | None = None

    @classmethod
    def from_settings(cls, name: str, settings: Settings, account: Account | None) -> Self:
        return cls(configs_from(settings))

    @property
    def servers(self) -> list[SmtpConfig]:
        return self.pool.servers

    @property
    def config(self) -> SmtpConfig:
        """The server in use (or to be tried first)."""
        return self.pool.config

    def verify(self) -> str:
        """Connect to every server (EHLO, TLS, login as configured), say QUIT, send nothing; who answered."""
        return self.pool.verify()

    def send(self, message: Message) -> Result:
        [outcome] = list(self.send_many([message]))
        if isinstance(outcome, ChannelError):
            raise outcome
        return outcome

    def send_many(self, messages: Iterable[Message]) -> Iterator[Result | ChannelError]:
        """One outcome per message, in order, as a Result or a ChannelError (yielded, not raised).

        Messages are read lazily; closing the iterator early drops the connection, so a message whose
        body was not sent is never delivered.
        """
        pending: _Pending | None = None
        try:
            for message in messages:
                problem = envelope_problem(message)
                if problem is not None:
                    if pending is not None:
                        done, pending = pending, None
                        yield self._finish(done)
                    yield problem
                    continue
                assert isinstance(message, Email)  # envelope_problem refuses anything else
                try:
                    conn = self._connection()
                except ChannelError as exc:  # no server could be used; pending is None without a connection
                    yield exc
                    continue
                if conn.has_extn("pipelining"):
                    outcomes, pending = self._pipelined(conn, pending, message)
                    yield from outcomes
                else:
                    yield self._plain(conn, message)
            if pending is not None:
                done, pending = pending, None
                yield self._finish(done)
        finally:
            if pending is not None:  # closed early with a body unsent: the server must not deliver half a message
                self._drop()

    def _connection(self) -> smtplib.SMTP:
        if self._conn is None:
            self._conn = self.pool.connect()
        return self._conn

    def _plain(self, conn: smtplib.SMTP, message: Email) -> Result | ChannelError:
        """One command at a time, stopping at the first refusal."""
        try:
            mail = conn.mail(message.sender)
            rcpt = conn.rcpt(message.recipient) if mail[0] == 250 else None
            data = conn.docmd("DATA") if rcpt is not None and rcpt[0] in (250, 251) else None
            error = envelope_error(message, mail, rcpt, data)
            if error is not None:
                if not isinstance(error, ConnectionFailed):
                    self._reset()
                return self._settled(error)
            conn.send(body(message.raw) + b".\r\n")
            return self._settled(_final(message, conn.getreply()))
        except _GONE as exc:
            return self._lost(exc)

    def _pipelined(
        self, conn: smtplib.SMTP, pending: _Pending | None, message: Email
    ) -> tuple[list[Result | ChannelError], _Pending | None]:
        """Send the pending body (if any) with this message's envelope; outcomes known so far, and the new pending."""
        group = b""
        if pending is not None:
            group += pending.body + b".\r\n"
            if pending.reset_after:
                group += b"RSET\r\n"
        group += f"MAIL FROM:<{message.sender}>\r\nRCPT TO:<{message.recipient}>\r\nDATA\r\n".encode("ascii")
        outcomes: list[Result | ChannelError] = []
        try:
            conn.send(group)
            if pending is not None:
                outcomes.append(self._settled(pending.outcome(conn.getreply())))
                if pending.reset_after:
                    conn.getreply()
            mail, rcpt, data = conn.getreply(), conn.getreply(), conn.getreply()
        except _GONE as exc:
            lost = self._lost(exc)
            return [*outcomes, *([lost] if pending is not None and not outcomes else []), lost], None
        error = envelope_error(message, mail, rcpt, data)
        if error is None:
            return outcomes, _Pending(message, body(message.raw))
        if isinstance(error, ConnectionFailed):
            return [*outcomes, self._settled(error)], None
        if data[0] == 354:
            # A server must not accept DATA without a recipient; if it does, end an empty message.
            return outcomes, _Pending(message, b"", error, reset_after=True)
        self._reset()
        return [*outcomes, error], None

    def _finish(self, pending: _Pending) -> Result | ChannelError:
        conn = self._conn
        if conn is None:
            return self._lost(ConnectionError("no connection"))
        try:
            conn.send(pending.body + b".\r\n")
            reply = conn.getreply()
            if pending.reset_after:
                self._reset()
        except _GONE as exc:
            return self._lost(exc)
        return self._settled(pending.outcome(reply))

    def _settled(self, outcome: Result | ChannelError) -> Result | ChannelError:
        """The outcome, after dropping the connection if the server is going away (421): the one place for it."""
        if isinstance(outcome, ConnectionFailed):
            self._drop()
        return outcome

    def _lost(self, exc: BaseException) -> ConnectionFailed:
        where = self.config.where
        self._drop()
        return ConnectionFailed(f"connection to {where} lost: {exc}")

    def _reset(self) -> None:
        try:
            if self._conn is not None:
                self._conn.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            quit_quietly(conn)
