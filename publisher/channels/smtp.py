"""The SMTP channel: one connection reused across a batch, replies classified into transient or permanent."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass

from publisher.channels.base import Email, Message, PermanentError, Result, TextLimits, TransientError


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    security: str = "none"  # none | starttls | ssl
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    local_hostname: str | None = None


def _classify(code: int, text: bytes | str, what: str) -> TransientError | PermanentError:
    detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    message = f"{what}: SMTP {code} {detail}".strip()
    return TransientError(message) if 400 <= code < 500 else PermanentError(message)


class SmtpChannel:
    """Sends Email messages to one SMTP server; Post messages are not for this channel."""

    name = "smtp"
    limits = TextLimits()

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
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
            raise PermanentError(f"SMTP login as {cfg.username!r} refused by {cfg.host}: {exc.smtp_code}") from None
        except smtplib.SMTPResponseException as exc:
            raise _classify(exc.smtp_code, exc.smtp_error, f"connecting to {cfg.host}:{cfg.port}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(f"cannot reach SMTP server {cfg.host}:{cfg.port}: {exc}") from None
        return conn

    def send(self, message: Message) -> Result:
        if not isinstance(message, Email):
            raise PermanentError("the smtp channel sends emails, not share posts")
        if self._conn is None:
            self._conn = self._connect()
        try:
            refused = self._conn.sendmail(message.sender, [message.recipient], message.raw)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(message.recipient, (550, b"refused"))
            raise _classify(code, text, f"recipient {message.recipient}") from None
        except smtplib.SMTPSenderRefused as exc:
            raise _classify(exc.smtp_code, exc.smtp_error, f"sender {message.sender}") from None
        except smtplib.SMTPDataError as exc:
            self._reset()
            raise _classify(exc.smtp_code, exc.smtp_error, f"message to {message.recipient}") from None
        except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
            self._drop()
            raise TransientError(f"connection to {self.config.host}:{self.config.port} lost: {exc}") from None
        if refused:
            code, text = refused[message.recipient]
            raise _classify(code, text, f"recipient {message.recipient}")
        return Result(status="sent", provider_id=message.message_id)

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
