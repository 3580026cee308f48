"""The SMTP channel: one connection reused across a batch, replies classified into transient or permanent.

Several servers may be configured: the channel stays on the first one that answers and fails over to the
next when a server cannot be reached. Where the server offers PIPELINING, MAIL, RCPT and DATA go out in
one write, so a message costs two round trips instead of four.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from publisher.channels.base import (
    Channel,
    ChannelError,
    ConnectionFailed,
    Email,
    Message,
    PermanentError,
    RecipientRejected,
    Result,
    SetupFailed,
    TextLimits,
    TransientError,
)
from publisher.errors import ConfigError

log = logging.getLogger(__name__)

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
    ca_file: str | Path | None = None  # PEM CAs trusted instead of the system's (starttls and ssl)

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


class SmtpChannel(Channel):
    """Sends Email messages through a pool of SMTP servers (failover in order); not for share posts."""

    network = "smtp"
    name = "smtp"
    limits = TextLimits()

    def __init__(self, config: SmtpConfig | Sequence[SmtpConfig]) -> None:
        self.servers: list[SmtpConfig] = [config] if isinstance(config, SmtpConfig) else list(config)
        if not self.servers:
            raise ValueError("the smtp channel needs at least one server")
        self._current = 0
        self._conn: smtplib.SMTP | None = None
        self._contexts: dict[str | None, ssl.SSLContext] = {}
        for cfg in self.servers:
            if cfg.security not in ("none", "starttls", "ssl"):
                raise ConfigError(f"PUBLISHER_SMTP_SECURITY must be none, starttls or ssl, not {cfg.security!r}")
            if cfg.security != "none":
                self._tls_context(cfg)  # a missing or unreadable CA file is a configuration error, now

    @property
    def config(self) -> SmtpConfig:
        """The server in use (or to be tried first)."""
        return self.servers[self._current]

    def _tls_context(self, cfg: SmtpConfig) -> ssl.SSLContext:
        """Certificate and hostname verification always on; the CA bundle is the system's or PUBLISHER_SMTP_CA_FILE."""
        key = str(cfg.ca_file) if cfg.ca_file else None
        if key not in self._contexts:
            try:
                self._contexts[key] = ssl.create_default_context(cafile=key)
            except (OSError, ssl.SSLError) as exc:  # missing file, or no certificate in it
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                raise ConfigError(f"PUBLISHER_SMTP_CA_FILE: cannot load CA certificates from {key}: {reason}") from None
        return self._contexts[key]

    def _open(self, cfg: SmtpConfig) -> tuple[smtplib.SMTP, str]:
        """A connection, after EHLO, TLS and login as configured, and the server's greeting."""
        where = f"{cfg.host}:{cfg.port}"
        conn: smtplib.SMTP | None = None
        try:
            if cfg.security == "ssl":
                conn = smtplib.SMTP_SSL(
                    timeout=cfg.timeout, local_hostname=cfg.local_hostname, context=self._tls_context(cfg)
                )
            else:
                conn = smtplib.SMTP(timeout=cfg.timeout, local_hostname=cfg.local_hostname)
            # Connecting after construction keeps the greeting; smtplib checks the certificate against _host,
            # which only its constructor sets.
            conn._host = cfg.host
            code, greeting = conn.connect(cfg.host, cfg.port)
            if code != 220:
                raise smtplib.SMTPConnectError(code, greeting)
            conn.ehlo()
            if cfg.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise SetupFailed(
                        f"SMTP server {where} does not offer STARTTLS, which PUBLISHER_SMTP_SECURITY=starttls "
                        "requires; nothing was sent"
                    )
                conn.starttls(context=self._tls_context(cfg))
                conn.ehlo()
            if cfg.username:
                if not conn.has_extn("auth"):
                    hint = " (servers often offer it only over TLS: see PUBLISHER_SMTP_SECURITY)"
                    raise SetupFailed(
                        f"SMTP server {where} does not offer AUTH, so cannot log in as {cfg.username!r}"
                        + (hint if cfg.security == "none" else "")
                    )
                conn.login(cfg.username, cfg.password or "")
        except BaseException as exc:
            if conn is not None:
                conn.close()
            raise _connect_error(exc, cfg) from None
        return conn, greeting.decode("utf-8", "replace")

    def _connect_one(self, cfg: SmtpConfig) -> smtplib.SMTP:
        return self._open(cfg)[0]

    def _connect(self) -> smtplib.SMTP:
        """A connection to the current server, else to the next ones in turn.

        When none can be used, the failures of all are raised together: as SetupFailed if any server refused
        the configuration (certificate, STARTTLS, login), which retrying will not fix, else as ConnectionFailed.
        """
        failures: list[str] = []
        setup_failed = False
        for step in range(len(self.servers)):
            index = (self._current + step) % len(self.servers)
            try:
                conn = self._connect_one(self.servers[index])
            except (ConnectionFailed, SetupFailed) as exc:
                failures.append(str(exc))
                setup_failed = setup_failed or isinstance(exc, SetupFailed)
                if isinstance(exc, SetupFailed) and len(self.servers) > 1:
                    log.warning("skipping an SMTP server: %s", exc)
                continue
            self._current = index
            return conn
        self._current = (self._current + 1) % len(self.servers)  # next time, start with another server
        raise (SetupFailed if setup_failed else ConnectionFailed)("; ".join(failures))

    def verify(self) -> str:
        """Connect to every server (EHLO, TLS, login as configured), say QUIT, send nothing; who answered.

        Raises the first server's ChannelError otherwise. The channels page's "Test connection".
        """
        seen: list[str] = []
        for cfg in self.servers:
            conn, greeting = self._open(cfg)
            try:
                seen.append(_describe(cfg, conn, greeting))
            finally:
                try:
                    conn.quit()
                except (smtplib.SMTPException, OSError):
                    conn.close()
        return "; ".join(seen)

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


# SMTP security (extra-tls): what a failed connection means, in words that never hold the password.
def _connect_error(exc: BaseException, cfg: SmtpConfig) -> BaseException:
    where = f"{cfg.host}:{cfg.port}"
    if isinstance(exc, ChannelError):
        error: BaseException = exc
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        message = f"SMTP login as {cfg.username!r} refused by {where}: {exc.smtp_code} {detail}".strip()
        # 454 and friends: the server's authentication backend is down, which may pass
        error = ConnectionFailed(message) if 400 <= exc.smtp_code < 500 else SetupFailed(message)
    elif isinstance(exc, smtplib.SMTPResponseException):
        error = _classify(exc.smtp_code, exc.smtp_error, f"connecting to {where}")
        if isinstance(error, TransientError) and not isinstance(error, ConnectionFailed):
            error = ConnectionFailed(str(error))
    elif isinstance(exc, ssl.SSLCertVerificationError):
        trusted = f"the CAs in {cfg.ca_file}" if cfg.ca_file else "the system's CAs (PUBLISHER_SMTP_CA_FILE is unset)"
        error = SetupFailed(
            f"the TLS certificate of SMTP server {where} failed verification: "
            f"{exc.verify_message or exc.reason}; trusted: {trusted}"
        )
    elif isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        error = ConnectionFailed(f"SMTP server {where} closed the connection during the TLS handshake")
    elif isinstance(exc, ssl.SSLError):
        hint = {
            "ssl": "; PUBLISHER_SMTP_SECURITY=ssl is for implicit-TLS ports such as 465, starttls for 587",
            "starttls": "",
            "none": "",
        }.get(cfg.security, "")
        error = SetupFailed(f"TLS handshake with SMTP server {where} failed: {exc.reason or exc}{hint}")
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        error = SetupFailed(f"SMTP server {where}: {exc}")
    elif isinstance(exc, (OSError, smtplib.SMTPException)):
        error = ConnectionFailed(f"cannot reach SMTP server {where}: {exc}")
    else:
        return exc  # KeyboardInterrupt, bugs: not ours to reword
    if cfg.password and cfg.password in str(error):  # a server that echoes what it was sent
        error = type(error)(str(error).replace(cfg.password, "***"))
    return error


def _describe(cfg: SmtpConfig, conn: smtplib.SMTP, greeting: str) -> str:
    """`mx.example.org at host:port (STARTTLS TLSv1.3, logged in as 'user'; greeting: ...)`."""
    ehlo = (conn.ehlo_resp or b"").decode("utf-8", "replace").splitlines()
    name = ehlo[0].split()[0] if ehlo and ehlo[0].split() else "(no EHLO name)"
    sock = conn.sock
    tls = sock.version() if isinstance(sock, ssl.SSLSocket) else None
    parts = [f"{'STARTTLS' if cfg.security == 'starttls' else 'implicit TLS'} {tls}" if tls else "no TLS"]
    parts.append(f"logged in as {cfg.username!r}" if cfg.username else "no login")
    first = greeting.splitlines()[0] if greeting else ""
    return f"{name} at {cfg.host}:{cfg.port} ({', '.join(parts)}; greeting: {first[:120]!r})"


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
