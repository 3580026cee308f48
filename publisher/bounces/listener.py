"""The inbound SMTP listener (`publisher bounces serve`): MTAs hand bounces straight to it, by SMTP.

It accepts mail only for our own bounce addresses (never an open relay): the VERP return paths
(`<local part>[+anything]@<return path domain>`), the List-Unsubscribe mailto and the From address; any
other RCPT TO is answered 550 5.1.1. A message over PUBLISHER_BOUNCE_MAX_BYTES is answered 552 (aiosmtpd's
SIZE limit). Each message is ingested (publisher.bounces.intake.ingest_raw) once per accepted VERP
recipient, with that recipient as the envelope address, and once for the other recipients; 250 is answered
only after every ingest committed, so a crash before that leaves the message with the sender, who retries.
An ingest that raises is answered 451 4.3.0 (try again later), never 250.

Ingests run one at a time on a worker thread: the store's sessions are synchronous, and one writer at a
time is what SQLite wants anyway. Nothing of a message's body is ever logged.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import threading
import traceback
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from aiosmtpd.controller import Controller

from publisher.bounces.intake import ingest_raw
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.store import Store

log = logging.getLogger(__name__)
MAX_RECIPIENTS = 100  # a bounce has one; more is someone probing (answered 452 4.5.3, as RFC 5321 allows)


@dataclass(frozen=True)
class Received:
    """What one accepted message did: who sent it from where, to how many addresses, and the outcomes."""

    peer: str
    mail_from: str
    recipients: int
    outcomes: Counter[str]
    not_reports: int
    paused: tuple[str, ...] = ()  # why campaigns were paused by what this message said (sender-side alarms)

    def line(self) -> str:
        """One line for the console: never the message's content."""
        told = ", ".join(f"{n} {what}" for what, n in sorted(self.outcomes.items()))
        if self.not_reports:
            told = ", ".join(filter(None, [told, f"{self.not_reports} not a bounce report"]))
        return f"{self.peer}: from <{self.mail_from}> to {self.recipients} address(es): {told or 'nothing'}"


def parse_listen(value: str) -> tuple[str, int]:
    """PUBLISHER_BOUNCE_LISTEN as (host, port): `127.0.0.1:2525`, `[::1]:2525`, `0.0.0.0:25`."""
    match = re.fullmatch(r"\s*(?:\[([0-9A-Fa-f:.]+)\]|([^\s:\[\]]+)):(\d{1,5})\s*", value or "")
    port = int(match.group(3)) if match else 0
    if match is None or not 0 < port < 65536:
        raise PublisherError(f"PUBLISHER_BOUNCE_LISTEN must be HOST:PORT (e.g. 127.0.0.1:2525), not {value!r}")
    return match.group(1) or match.group(2), port


class Acceptor:
    """Which RCPT TO addresses are ours: the VERP return paths, the List-Unsubscribe mailto, the From."""

    def __init__(self, settings: Settings) -> None:
        self.domain = settings.return_path_domain
        local = re.escape(settings.verp_local_part)
        self._verp = re.compile(rf"{local}\+[^@\s]+@{re.escape(self.domain)}", re.IGNORECASE)
        self._plain = {f"{settings.verp_local_part}@{self.domain}".lower(), parseaddr(settings.from_)[1].lower()}
        if settings.unsubscribe_mailto:
            self._plain.add(settings.unsubscribe_mailto.lower())
        self._plain.discard("")

    def is_verp(self, address: str) -> bool:
        """A tagged return path (`bounces+...@domain`): its signature is checked when the report is applied."""
        return self._verp.fullmatch(address) is not None

    def accepts(self, address: str) -> bool:
        return self.is_verp(address) or address.lower() in self._plain


class BounceHandler:
    """aiosmtpd's handler: RCPT TO checked against the Acceptor, DATA ingested before 250 is answered."""

    def __init__(self, store: Store, settings: Settings, on_message: Callable[[Received], None] | None = None) -> None:
        self.store, self.settings = store, settings
        self.acceptor = Acceptor(settings)
        self.on_message = on_message or (lambda received: log.info("%s", received.line()))
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bounce-ingest")

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if not self.acceptor.accepts(address):
            return "550 5.1.1 mailbox unavailable: this server takes bounces for its own addresses only"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):  # only with decode_data=True, which this listener never sets
            raw = raw.encode("utf-8", "surrogateescape")
        peer = str(session.peer[0]) if isinstance(session.peer, tuple) and session.peer else str(session.peer)
        loop = asyncio.get_running_loop()
        try:
            received = await loop.run_in_executor(
                self._executor,
                self.ingest,
                raw,
                peer,
                str(envelope.mail_from or "").strip("<>"),
                list(envelope.rcpt_tos),
            )
        except Exception as exc:  # whatever broke, the sender keeps the message and retries
            where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            # The class and the line only: an exception's text may quote the report's content.
            log.error(
                "a message from %s could not be recorded (%s at %s); answered 451",
                peer,
                type(exc).__name__,
                f"{where.filename}:{where.lineno}" if where else "?",
            )
            return "451 4.3.0 the report could not be recorded, try again later"
        self.on_message(received)
        return "250 2.0.0 OK: report received"

    def ingest(self, raw: bytes, peer: str, mail_from: str, rcpts: list[str]) -> Received:
        """Ingest one message: once per VERP recipient (the envelope names the send), once for the rest."""
        source = f"smtp-in:{peer}"[:200]
        verp = list(dict.fromkeys(r for r in rcpts if self.acceptor.is_verp(r)))
        outcomes: Counter[str] = Counter()
        not_reports = 0
        paused: list[str] = []
        # The rest without an envelope address: the report's own headers (Delivered-To, To) may still name
        # a return path, and for a mailto unsubscribe the address does not matter.
        targets: list[str | None] = [*verp, *([None] if len(verp) < len(rcpts) else [])]
        for envelope_to in targets:
            found = ingest_raw(self.store, self.settings, raw, source=source, envelope_to=envelope_to)
            outcomes.update(str(o) for o in found)
            not_reports += not found
            paused += [o.paused for o in found if o.paused]
        return Received(peer, mail_from, len(rcpts), outcomes, not_reports, tuple(paused))

    def close(self) -> None:
        self._executor.shutdown(wait=True)


class Listener:
    """The listener on its own thread (aiosmtpd's Controller): start(), stop(), or run() until a signal."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        listen: str | None = None,
        on_message: Callable[[Received], None] | None = None,
    ) -> None:
        self.host, self.port = parse_listen(listen or settings.bounce_listen)
        # aiosmtpd logs every DATA line at DEBUG ("mail.log"): a report's content must never reach the logs.
        smtp_log = logging.getLogger("mail.log")
        if smtp_log.getEffectiveLevel() < logging.INFO:
            smtp_log.setLevel(logging.INFO)
        self.handler = BounceHandler(store, settings, on_message)
        self.controller = Controller(
            self.handler,
            hostname=self.host,
            port=self.port,
            server_hostname=settings.return_path_domain,
            data_size_limit=settings.bounce_max_bytes,
            ident="publisher bounces",
        )

    def start(self) -> Listener:
        try:
            self.controller.start()
        except OSError as exc:
            self.handler.close()
            raise PublisherError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from None
        except RuntimeError as exc:  # aiosmtpd's wrapper around a server that did not come up
            cause = exc.__cause__ or exc
            self.handler.close()
            raise PublisherError(f"cannot listen on {self.host}:{self.port}: {cause}") from None
        return self

    def stop(self) -> None:
        try:
            self.controller.stop()
        except AssertionError:  # never started (start() failed): nothing to stop
            pass
        self.handler.close()

    def run(self) -> None:
        """Serve until SIGTERM or Ctrl-C. An ingest in hand finishes (and commits) before it returns; its
        sender, cut off before the 250, retries, and the retry counts as a duplicate."""
        stopping = threading.Event()
        previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        self.start()
        try:
            while not stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.stop()
