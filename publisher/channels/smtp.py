"""The SMTP channel: one connection reused across a batch, replies classified into transient or permanent.

Several servers may be configured: the channel stays on the first one that answers and fails over to the
next when a server cannot be reached. Where the server offers PIPELINING, MAIL, RCPT and DATA go out in
one write, so a message costs two round trips instead of four.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from publisher.channels.base import (
    ChannelError,
    ConnectionFailed,
    Email,
    Message,
    PermanentError,
    RecipientRejected,
    Result,
    TextLimits,
    TransientError,
)

_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    security: str = "none"  # none | starttls | ssl
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    local_hostname: str | None = None

    def __repr__(self) -> str:  # never show the password
        return f"SmtpConfig(host={self.host!r}, port={self.port}, security={self.security!r})"


def _classify(code: int, text: bytes | str, what: str) -> TransientError | PermanentError:
    detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    message = f"{what}: SMTP {code} {detail}".strip()
    if code == 421:  # "service not available, closing transmission channel": about the server, not the message
        return ConnectionFailed(message)
    return TransientError(message) if 400 <= code < 500 else PermanentError(message)


def _refused_recipient(code: int, text: bytes | str, recipient: str) -> TransientError | PermanentError:
    error = _classify(code, text, f"recipient {recipient}")
    if isinstance(error, PermanentError):
        return RecipientRejected(str(error), recipient=recipient)
    return error


class SmtpChannel:
    """Sends Email messages through a pool of SMTP servers (failover in order); not for share posts."""

    name = "smtp"
    limits = TextLimits()

    def __init__(self, config: SmtpConfig | Sequence[SmtpConfig]) -> None:
        self.servers: list[SmtpConfig] = [config] if isinstance(config, SmtpConfig) else list(config)
        if not self.servers:
            raise ValueError("the smtp channel needs at least one server")
        self._current = 0
        self._conn: smtplib.SMTP | None = None

    @property
    def config(self) -> SmtpConfig:
        """The server in use (or to be tried first)."""
        return self.servers[self._current]

    def _connect_one(self, cfg: SmtpConfig) -> smtplib.SMTP:
        try:
            if cfg.security == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    cfg.host,
                    cfg.port,
                    timeout=cfg.timeout,
                    local_hostname=cfg.local_hostname,
                    context=ssl.create_default_context(),
                )
            else:
                conn = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout, local_hostname=cfg.local_hostname)
            conn.ehlo()
            if cfg.security == "starttls":
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if cfg.username:
                conn.login(cfg.username, cfg.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            # Says nothing about the message: a failure of the server connection, so that a run of them
            # pauses the campaign rather than failing every row.
            raise ConnectionFailed(f"SMTP login as {cfg.username!r} refused by {cfg.host}: {exc.smtp_code}") from None
        except smtplib.SMTPResponseException as exc:
            error = _classify(exc.smtp_code, exc.smtp_error, f"connecting to {cfg.host}:{cfg.port}")
            if isinstance(error, TransientError) and not isinstance(error, ConnectionFailed):
                error = ConnectionFailed(str(error))
            raise error from None
        except (OSError, smtplib.SMTPException) as exc:
            raise ConnectionFailed(f"cannot reach SMTP server {cfg.host}:{cfg.port}: {exc}") from None
        return conn

    def _connect(self) -> smtplib.SMTP:
        """A connection to the current server, else to the next ones in turn; the last failure is raised."""
        failures: list[str] = []
        for step in range(len(self.servers)):
            index = (self._current + step) % len(self.servers)
            try:
                conn = self._connect_one(self.servers[index])
            except ConnectionFailed as exc:
                failures.append(str(exc))
                continue
            self._current = index
            return conn
        self._current = (self._current + 1) % len(self.servers)  # next time, start with another server
        raise ConnectionFailed("; ".join(failures))

    def send(self, message: Message) -> Result:
        if not isinstance(message, Email):
            raise PermanentError("the smtp channel sends emails, not share posts")
        if any(c in message.sender + message.recipient for c in "\r\n\x00<>"):
            raise PermanentError(f"refusing an envelope address with a line break or bracket: {message.recipient!r}")
        if self._conn is None:
            self._conn = self._connect()
        try:
            if self._conn.has_extn("pipelining"):
                self._send_pipelined(self._conn, message)
            else:
                self._send_plain(self._conn, message)
        except (TransientError, PermanentError) as exc:
            if isinstance(exc, ConnectionFailed):
                self._drop()
            raise
        except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
            self._drop()
            raise ConnectionFailed(f"connection to {self.config.host}:{self.config.port} lost: {exc}") from None
        return Result(status="sent", provider_id=message.message_id)

    def send_many(self, messages: Iterable[Message]) -> Iterator[Result | ChannelError]:
        """One outcome per message, in order, as a Result or a ChannelError (yielded, not raised).

        With PIPELINING, the body of one message goes out in the same write as the next one's MAIL, RCPT and
        DATA (RFC 2920 allows message content first in a group), so a message costs one round trip. Messages
        are read lazily; closing the iterator early drops the connection, so a message whose body was not
        sent is never delivered.
        """
        pending: _Pending | None = None
        try:
            for message in messages:
                problem = self._envelope_problem(message)
                if problem is not None or self._conn is None or not self._conn.has_extn("pipelining"):
                    if pending is not None:
                        yield self._finish(pending)
                        pending = None
                    yield problem if problem is not None else self._send_one(message)
                    continue
                assert isinstance(message, Email)
                outcome, pending = self._pipeline_step(pending, message)
                yield from outcome
            if pending is not None:
                yield self._finish(pending)
                pending = None
        finally:
            if pending is not None:  # closed early with a body unsent: the server must not deliver half a message
                self._drop()

    def _envelope_problem(self, message: Message) -> PermanentError | None:
        if not isinstance(message, Email):
            return PermanentError("the smtp channel sends emails, not share posts")
        if any(c in message.sender + message.recipient for c in "\r\n\x00<>"):
            return PermanentError(f"refusing an envelope address with a line break or bracket: {message.recipient!r}")
        return None

    def _send_one(self, message: Message) -> Result | ChannelError:
        try:
            return self.send(message)
        except ChannelError as exc:
            return exc

    def _lost(self, exc: Exception) -> ConnectionFailed:
        self._drop()
        return ConnectionFailed(f"connection to {self.config.host}:{self.config.port} lost: {exc}")

    def _pipeline_step(
        self, pending: _Pending | None, message: Email
    ) -> tuple[list[Result | ChannelError], _Pending | None]:
        """Send the pending body (if any) with this message's envelope; outcomes known so far, and the new pending."""
        conn = self._conn
        assert conn is not None
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
                outcomes.append(pending.outcome(conn.getreply()))
                if pending.reset_after:
                    conn.getreply()
            mail, rcpt, data = conn.getreply(), conn.getreply(), conn.getreply()
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
            lost = self._lost(exc)
            return [*outcomes, *([lost] if pending is not None and not outcomes else []), lost], None
        if 421 in (mail[0], rcpt[0], data[0]):
            self._drop()
            reply = next(r for r in (mail, rcpt, data) if r[0] == 421)
            return [*outcomes, _classify(421, reply[1], "server")], None
        error: ChannelError | None = None
        if mail[0] != 250:
            error = _classify(mail[0], mail[1], f"sender {message.sender}")
        elif rcpt[0] not in (250, 251):
            error = _refused_recipient(rcpt[0], rcpt[1], message.recipient)
        if data[0] == 354:
            if error is None:
                return outcomes, _Pending(message, _body(message.raw), None)
            # A server must not accept DATA without a recipient; if it does, end an empty message.
            return outcomes, _Pending(message, b"", error, reset_after=True)
        if error is None:
            error = _classify(data[0], data[1], f"message to {message.recipient}")
        try:
            conn.send(b"RSET\r\n")
            conn.getreply()
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError):
            self._drop()
        return [*outcomes, error], None

    def _finish(self, pending: _Pending) -> Result | ChannelError:
        conn = self._conn
        assert conn is not None
        try:
            conn.send(pending.body + b".\r\n")
            reply = conn.getreply()
            if pending.reset_after:
                self._reset()
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
            return self._lost(exc)
        return pending.outcome(reply)

    def _send_plain(self, conn: smtplib.SMTP, message: Email) -> None:
        try:
            refused = conn.sendmail(message.sender, [message.recipient], message.raw)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(message.recipient, (550, b"refused"))
            raise _refused_recipient(code, text, message.recipient) from None
        except smtplib.SMTPSenderRefused as exc:
            raise _classify(exc.smtp_code, exc.smtp_error, f"sender {message.sender}") from None
        except smtplib.SMTPDataError as exc:
            self._reset()
            raise _classify(exc.smtp_code, exc.smtp_error, f"message to {message.recipient}") from None
        if refused:
            code, text = refused[message.recipient]
            raise _refused_recipient(code, text, message.recipient)

    def _send_pipelined(self, conn: smtplib.SMTP, message: Email) -> None:
        """RFC 2920: MAIL, RCPT and DATA in one write, then the body; every reply is still checked."""
        conn.send(f"MAIL FROM:<{message.sender}>\r\nRCPT TO:<{message.recipient}>\r\nDATA\r\n".encode("ascii"))
        mail, rcpt, data = conn.getreply(), conn.getreply(), conn.getreply()
        if data[0] != 354:
            if data[0] == 421 or mail[0] == 421 or rcpt[0] == 421:
                raise _classify(421, (data if data[0] == 421 else rcpt if rcpt[0] == 421 else mail)[1], "server")
            self._reset()
            if mail[0] != 250:
                raise _classify(mail[0], mail[1], f"sender {message.sender}")
            if rcpt[0] not in (250, 251):
                raise _refused_recipient(rcpt[0], rcpt[1], message.recipient)
            raise _classify(data[0], data[1], f"message to {message.recipient}")
        body = _body(message.raw)
        if mail[0] != 250 or rcpt[0] not in (250, 251):
            # A server must not accept DATA without a recipient; if it does, send it an empty message.
            conn.send(b".\r\n")
            conn.getreply()
            self._reset()
            if mail[0] != 250:
                raise _classify(mail[0], mail[1], f"sender {message.sender}")
            raise _refused_recipient(rcpt[0], rcpt[1], message.recipient)
        conn.send(body + b".\r\n")
        code, text = conn.getreply()
        if code != 250:
            self._reset()
            raise _classify(code, text, f"message to {message.recipient}")

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
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()


def _body(raw: bytes) -> bytes:
    """Message bytes ready for DATA: leading dots doubled, ending in CRLF (the "." line is added on sending)."""
    body = _LEADING_DOT.sub(b"..", raw) if raw.startswith(b".") or b"\n." in raw else raw
    return body if body.endswith(b"\r\n") else body + b"\r\n"


@dataclass
class _Pending:
    """A message the server said 354 to, whose body goes out with the next write."""

    message: Email
    body: bytes
    error: ChannelError | None  # set when MAIL or RCPT failed but the server still said 354
    reset_after: bool = False

    def outcome(self, reply: tuple[int, bytes]) -> Result | ChannelError:
        if self.error is not None:
            return self.error
        code, text = reply
        if code == 250:
            return Result(status="sent", provider_id=self.message.message_id)
        return _classify(code, text, f"message to {self.message.recipient}")


def parse_servers(spec: str, default_port: int) -> list[tuple[str, int]]:
    """`host[:port][,host[:port]...]` (PUBLISHER_SMTP_HOST) as (host, port) pairs, in failover order."""
    servers: list[tuple[str, int]] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        host, sep, port = item.rpartition(":") if item.count(":") == 1 else (item, "", "")
        if not sep:
            host, port = item, ""
        if not host or (port and not port.isdigit()):
            raise ValueError(f"not a host[:port]: {item!r}")
        servers.append((host, int(port) if port else default_port))
    if not servers:
        raise ValueError("no SMTP server named")
    return servers
