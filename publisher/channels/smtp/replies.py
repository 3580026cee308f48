"""What SMTP replies and connection failures mean: transient or permanent, about the server or the message.

One place for each rule: 421 means the server is closing (ConnectionFailed, about no message); a 5xx to
RCPT rejects the recipient for good; an envelope address with a line break or bracket is never sent.
Messages never hold the password, even when a server echoes it.
"""

from __future__ import annotations

import re
import smtplib
import ssl

from publisher.channels.base import (
    ChannelError,
    ConnectionFailed,
    Email,
    Message,
    PermanentError,
    RecipientRejected,
    SetupFailed,
    TransientError,
)
from publisher.channels.smtp.config import SmtpConfig

Reply = tuple[int, bytes]

CLOSING = 421  # "service not available, closing transmission channel"
_LEADING_DOT = re.compile(rb"(?m)^\.")


def classify(code: int, text: bytes | str, what: str) -> TransientError | PermanentError:
    """A reply other than the one hoped for: 421 is about the server, other 4xx pass, 5xx do not."""
    detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    message = f"{what}: SMTP {code} {detail}".strip()
    if code == CLOSING:
        return ConnectionFailed(message)
    return TransientError(message) if 400 <= code < 500 else PermanentError(message)


def refused_recipient(code: int, text: bytes | str, recipient: str) -> TransientError | PermanentError:
    """A refused RCPT: for good (the address gets suppressed) or for now."""
    error = classify(code, text, f"recipient {recipient}")
    if isinstance(error, PermanentError):
        reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        return RecipientRejected(str(error), recipient=recipient, code=code, reply=reply)
    return error


def envelope_problem(message: Message) -> PermanentError | None:
    """Why this message can never go out over SMTP, or None: a share post, or an address that would inject."""
    if not isinstance(message, Email):
        return PermanentError("the smtp channel sends emails, not share posts")
    if any(c in message.sender + message.recipient for c in "\r\n\x00<>"):
        return PermanentError(f"refusing an envelope address with a line break or bracket: {message.recipient!r}")
    return None


def envelope_error(message: Email, mail: Reply, rcpt: Reply | None, data: Reply | None) -> ChannelError | None:
    """What the replies to MAIL, RCPT and DATA say, or None when the server waits for the body (354).

    A reply is None when its command was not sent (an earlier one failed without pipelining). A 421 anywhere
    wins: the server is going away whatever else it said.
    """
    replies = [r for r in (mail, rcpt, data) if r is not None]
    closing = next((r for r in replies if r[0] == CLOSING), None)
    if closing is not None:
        return classify(CLOSING, closing[1], "server")
    if mail[0] != 250:
        return classify(mail[0], mail[1], f"sender {message.sender}")
    if rcpt is None or rcpt[0] not in (250, 251):
        code, text = rcpt if rcpt is not None else (503, b"RCPT not sent")
        return refused_recipient(code, text, message.recipient)
    if data is None or data[0] != 354:
        code, text = data if data is not None else (503, b"DATA not sent")
        return classify(code, text, f"message to {message.recipient}")
    return None


def body(raw: bytes) -> bytes:
    """Message bytes ready for DATA: leading dots doubled, ending in CRLF (the "." line is added on sending)."""
    stuffed = _LEADING_DOT.sub(b"..", raw) if raw.startswith(b".") or b"\n." in raw else raw
    return stuffed if stuffed.endswith(b"\r\n") else stuffed + b"\r\n"


# SMTP security (extra-tls): what a failed connection means, in words that never hold the password.
def connect_error(exc: BaseException, cfg: SmtpConfig) -> BaseException:
    """The ChannelError for a connection that could not be opened as configured (others pass unchanged)."""
    where = cfg.where
    if isinstance(exc, ChannelError):
        error: BaseException = exc
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        message = f"SMTP login as {cfg.username!r} refused by {where}: {exc.smtp_code} {detail}".strip()
        # 454 and friends: the server's authentication backend is down, which may pass
        error = ConnectionFailed(message) if 400 <= exc.smtp_code < 500 else SetupFailed(message)
    elif isinstance(exc, smtplib.SMTPResponseException):
        error = classify(exc.smtp_code, exc.smtp_error, f"connecting to {where}")
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
        hint = "; PUBLISHER_SMTP_SECURITY=ssl is for implicit-TLS ports such as 465, starttls for 587"
        error = SetupFailed(
            f"TLS handshake with SMTP server {where} failed: {exc.reason or exc}{hint if cfg.security == 'ssl' else ''}"
        )
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        error = SetupFailed(f"SMTP server {where}: {exc}")
    elif isinstance(exc, (OSError, smtplib.SMTPException)):
        error = ConnectionFailed(f"cannot reach SMTP server {where}: {exc}")
    else:
        return exc  # KeyboardInterrupt, bugs: not ours to reword
    if cfg.password and cfg.password in str(error):  # a server that echoes what it was sent
        error = type(error)(str(error).replace(cfg.password, "***"))
    return error
