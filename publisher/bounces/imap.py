"""Polling an IMAP mailbox for bounces (`publisher bounces poll`): fetch, ingest, then move or flag.

PUBLISHER_BOUNCE_IMAP_URL names the mailbox: `imaps://user@host:993/INBOX` (implicit TLS) or
`imap://user@host:143/INBOX?starttls`; plain IMAP without STARTTLS is refused, so the password
(PUBLISHER_BOUNCE_IMAP_PASSWORD) never crosses the network in clear. The server's certificate is checked
against the system's CAs, or PUBLISHER_BOUNCE_IMAP_CA_FILE's for a self-signed server.

Every unseen message is fetched with BODY.PEEK (fetching does not mark it), ingested
(publisher.bounces.intake.ingest_raw: its envelope address comes from its Delivered-To / X-Original-To),
and only once that committed is it moved to PUBLISHER_BOUNCE_IMAP_DONE_FOLDER (MOVE, else COPY, \\Deleted
and EXPUNGE) or, without one, marked \\Seen \\Flagged. A crash in between leaves it unseen: the next poll
ingests it again, and a report ingested twice counts once.
"""

from __future__ import annotations

import base64
import imaplib
import re
import ssl
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from publisher.bounces.intake import IngestReport, ingest_raw
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.store import Store

_SIZE = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")
_SIZES_PER_FETCH = 500


class ImapFailed(PublisherError):
    """The mailbox cannot be polled as configured (certificate, login, folder): fix the settings."""


class ImapUnavailable(PublisherError):
    """The server could not be reached or dropped the connection: worth trying again later."""


@dataclass(frozen=True)
class MailboxUrl:
    """PUBLISHER_BOUNCE_IMAP_URL, read."""

    host: str
    port: int
    user: str
    folder: str
    starttls: bool

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class PollReport:
    """One poll: how many unseen messages were found, ingested, and left because they were too large."""

    server: str
    folder: str
    found: int = 0
    too_large: int = 0
    ingest: IngestReport = field(default_factory=IngestReport)

    def line(self) -> str:
        outcomes = ", ".join(f"{n} {what}" for what, n in sorted(self.ingest.outcomes.items())) or "no bounces"
        line = f"{self.server}/{self.folder}: {self.found} new message(s): {outcomes}"
        if self.ingest.not_reports:
            line += f"; {self.ingest.not_reports} not a bounce report"
        if self.too_large:
            line += f"; {self.too_large} over PUBLISHER_BOUNCE_MAX_BYTES left unread"
        return line


def parse_url(url: str | None) -> MailboxUrl:
    """imaps://user@host[:993][/FOLDER] or imap://user@host[:143][/FOLDER]?starttls."""
    if not url:
        raise ImapFailed("PUBLISHER_BOUNCE_IMAP_URL is not set (e.g. imaps://bounces@mail.example.org/INBOX)")
    parts = urlsplit(url.strip())
    example = "imaps://user@host:993/INBOX or imap://user@host:143/INBOX?starttls"
    if parts.scheme not in ("imaps", "imap") or not parts.hostname or not parts.username:
        raise ImapFailed(f"PUBLISHER_BOUNCE_IMAP_URL must look like {example}")
    if parts.password is not None:
        raise ImapFailed("PUBLISHER_BOUNCE_IMAP_URL holds a password: put it in PUBLISHER_BOUNCE_IMAP_PASSWORD")
    starttls = "starttls" in parse_qs(parts.query, keep_blank_values=True)
    if parts.scheme == "imap" and not starttls:
        raise ImapFailed("PUBLISHER_BOUNCE_IMAP_URL: imap:// needs ?starttls (the password is never sent in clear)")
    try:
        port = parts.port or (993 if parts.scheme == "imaps" else 143)
    except ValueError:
        raise ImapFailed(f"PUBLISHER_BOUNCE_IMAP_URL has a bad port; it must look like {example}") from None
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return MailboxUrl(parts.hostname, port, unquote(parts.username), folder, starttls and parts.scheme == "imap")


def mailbox_name(name: str) -> str:
    """A folder name as an IMAP quoted string, non-ASCII in modified UTF-7 (RFC 3501 5.1.3)."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii").rstrip("=")
            out.append("&" + encoded.replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if " " <= char <= "~":
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    quoted = "".join(out).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}"'


def _text(data: object) -> str:
    """A server's answer as text (imaplib gives bytes, lists of bytes, or an exception's repr)."""
    if isinstance(data, list | tuple):
        return " ".join(_text(d) for d in data if d is not None)
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    text = str(data)
    return text[2:-1] if text.startswith(("b'", 'b"')) else text


def connect(mailbox: MailboxUrl, password: str, *, ca_file: Path | None = None, timeout: float = 30) -> imaplib.IMAP4:
    """A logged-in connection; ImapFailed (certificate, login) or ImapUnavailable (network), naming the server."""
    try:
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise ImapFailed(f"PUBLISHER_BOUNCE_IMAP_CA_FILE {ca_file}: not a readable PEM bundle ({exc})") from None
    where = mailbox.server
    conn: imaplib.IMAP4 | None = None
    try:
        if mailbox.starttls:
            conn = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
            conn.starttls(ssl_context=context)
        else:
            conn = imaplib.IMAP4_SSL(mailbox.host, mailbox.port, ssl_context=context, timeout=timeout)
    except ssl.SSLCertVerificationError as exc:
        raise ImapFailed(
            f"IMAP server {where}: its certificate is not trusted ({exc.verify_message}); "
            "PUBLISHER_BOUNCE_IMAP_CA_FILE names the CA of a self-signed server"
        ) from None
    except ssl.SSLError as exc:
        raise ImapFailed(f"IMAP server {where}: the TLS handshake failed ({exc.reason or exc})") from None
    except imaplib.IMAP4.error as exc:  # e.g. no STARTTLS offered
        raise ImapFailed(f"IMAP server {where}: {_text(exc)}") from None
    except OSError as exc:
        raise ImapUnavailable(f"IMAP server {where} cannot be reached: {exc.strerror or exc}") from None
    try:
        if (mailbox.user + password).isascii():
            conn.login(mailbox.user, password)
        else:  # LOGIN takes ASCII only; AUTHENTICATE PLAIN carries UTF-8
            conn.authenticate("PLAIN", lambda _: f"\0{mailbox.user}\0{password}".encode())
    except imaplib.IMAP4.error as exc:
        _close(conn)
        said = _text(exc).replace(password, "***") if password else _text(exc)
        raise ImapFailed(f"IMAP server {where} refused the login of {mailbox.user!r}: {said}") from None
    except OSError as exc:
        _close(conn)
        raise ImapUnavailable(f"IMAP server {where} dropped the connection: {exc}") from None
    return conn


def _close(conn: imaplib.IMAP4) -> None:
    try:
        conn.logout()
    except (imaplib.IMAP4.error, OSError):  # already gone: nothing to say goodbye to
        pass


def _capabilities(conn: imaplib.IMAP4) -> set[str]:
    """After login (servers offer more then than before it, MOVE among them)."""
    typ, data = conn.capability()
    return set(_text(data).upper().split()) if typ == "OK" else set()


def _ok(answer: tuple[str, Sequence[Any]], what: str, server: str) -> Sequence[Any]:
    typ, data = answer
    if typ != "OK":
        raise ImapFailed(f"IMAP server {server}: {what} failed: {_text(data)}")
    return data


def _sizes(conn: imaplib.IMAP4, uids: list[bytes], server: str) -> dict[bytes, int]:
    sizes = {}
    for start in range(0, len(uids), _SIZES_PER_FETCH):  # a command line of bounded length, however many
        chunk = b",".join(uids[start : start + _SIZES_PER_FETCH]).decode()
        for line in _ok(conn.uid("FETCH", chunk, "(RFC822.SIZE)"), "FETCH RFC822.SIZE", server):
            found = _SIZE.search(line if isinstance(line, bytes) else b"")
            if found:
                uid, size = (found.group(1), found.group(2)) if found.group(1) else (found.group(4), found.group(3))
                sizes[uid] = int(size)
    return sizes


def _body(conn: imaplib.IMAP4, uid: bytes, server: str) -> bytes | None:
    data = _ok(conn.uid("FETCH", uid.decode(), "(BODY.PEEK[])"), f"FETCH of message {uid.decode()}", server)
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None  # expunged by someone else meanwhile


def _ensure_folder(conn: imaplib.IMAP4, name: str, server: str) -> None:
    typ, data = conn.list('""', mailbox_name(name))
    if typ == "OK" and any(d for d in data if d):
        return
    _ok(conn.create(mailbox_name(name)), f"creating the folder {name!r}", server)


def _mark_done(conn: imaplib.IMAP4, uid: bytes, done: str | None, caps: set[str], server: str) -> bool:
    """Move the message to the done folder, or flag it; True when an EXPUNGE is still owed."""
    number = uid.decode()
    if done is None:
        _ok(conn.uid("STORE", number, "+FLAGS", r"(\Seen \Flagged)"), f"flagging message {number}", server)
        return False
    if "MOVE" in caps:
        _ok(conn.uid("MOVE", number, mailbox_name(done)), f"moving message {number} to {done!r}", server)
        return False
    _ok(conn.uid("COPY", number, mailbox_name(done)), f"copying message {number} to {done!r}", server)
    _ok(conn.uid("STORE", number, "+FLAGS", r"(\Seen \Deleted)"), f"deleting message {number}", server)
    if "UIDPLUS" in caps:
        _ok(conn.uid("EXPUNGE", number), f"expunging message {number}", server)
        return False
    return True  # a plain EXPUNGE removes every \Deleted message: once, at the end


def poll_once(store: Store, settings: Settings, *, ca_file: Path | None = None, timeout: float = 30) -> PollReport:
    """Ingest every unseen message of the mailbox, then move or flag each; what was found and done."""
    mailbox = parse_url(settings.bounce_imap_url)
    if settings.bounce_imap_password is None:
        raise ImapFailed("PUBLISHER_BOUNCE_IMAP_PASSWORD is not set")
    server, done = mailbox.server, settings.bounce_imap_done_folder or None
    if done is not None and done.casefold() == mailbox.folder.casefold():
        # moved into itself, a message would come back unseen under a new UID and be read at every poll
        raise ImapFailed(f"PUBLISHER_BOUNCE_IMAP_DONE_FOLDER must differ from the polled folder {mailbox.folder!r}")
    conn = connect(
        mailbox,
        settings.bounce_imap_password.get_secret_value(),
        ca_file=ca_file or settings.bounce_imap_ca_file,
        timeout=timeout,
    )
    report = PollReport(server, mailbox.folder)
    try:
        caps = _capabilities(conn)
        if done is not None:
            _ensure_folder(conn, done, server)
        _ok(conn.select(mailbox_name(mailbox.folder)), f"opening the folder {mailbox.folder!r}", server)
        uids = _ok(conn.uid("SEARCH", "UNSEEN"), "SEARCH UNSEEN", server)
        found = [u for u in (uids[0].split() if uids and isinstance(uids[0], bytes) else []) if u.isdigit()]
        report.found = len(found)
        sizes = _sizes(conn, found, server) if found else {}
        expunge = False
        for uid in found:
            if sizes.get(uid, 0) > settings.bounce_max_bytes:
                report.too_large += 1
                continue
            raw = _body(conn, uid, server)
            if raw is None:
                continue
            outcomes = ingest_raw(store, settings, raw, source=f"imap:{mailbox.host}/{mailbox.folder}"[:200])
            report.ingest.add(f"message {uid.decode()}", outcomes)
            expunge |= _mark_done(conn, uid, done, caps, server)  # only now: the ingest has committed
        if expunge:
            _ok(conn.expunge(), "EXPUNGE", server)
    except imaplib.IMAP4.abort as exc:
        raise ImapUnavailable(f"IMAP server {server} dropped the connection: {_text(exc)}") from None
    except imaplib.IMAP4.error as exc:
        raise ImapFailed(f"IMAP server {server}: {_text(exc)}") from None
    except OSError as exc:
        raise ImapUnavailable(f"IMAP server {server} dropped the connection: {exc}") from None
    finally:
        _close(conn)
    return report


def poll_forever(
    store: Store,
    settings: Settings,
    *,
    interval: float,
    stop: threading.Event,
    on_poll: Callable[[PollReport], None],
    on_unavailable: Callable[[ImapUnavailable], None],
    ca_file: Path | None = None,
) -> None:
    """Poll every `interval` seconds until `stop` is set. A server that cannot be reached is told and tried
    again next time; ImapFailed (certificate, login, folder) ends the loop: waiting will not fix it."""
    while not stop.is_set():
        try:
            on_poll(poll_once(store, settings, ca_file=ca_file))
        except ImapUnavailable as exc:
            on_unavailable(exc)
        stop.wait(interval)
