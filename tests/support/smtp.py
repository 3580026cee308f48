"""A real SMTP server (aiosmtpd) in the test process, recording what arrives and failing on request."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from tests.support.services import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class RecordingHandler:
    """Accepts everything unless told otherwise: `reject[address] = "550 5.1.1 no such user"`."""

    messages: list[Received] = field(default_factory=list)
    reject: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    pipelining: bool = True  # advertise PIPELINING (aiosmtpd handles pipelined commands, but does not say so)
    rcpt_calls: dict[str, int] = field(default_factory=dict)
    # Called (in the server's thread) when the Nth message has arrived: on_message = {n: callback}.
    on_message: dict[int, Callable[[], None]] = field(default_factory=dict)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: ANN001, ANN201
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201
        with self.lock:
            self.rcpt_calls[address] = self.rcpt_calls.get(address, 0) + 1
        if address in self.reject:
            return self.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
            hook = self.on_message.pop(len(self.messages), None)
        if hook is not None:
            hook()
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.handler = RecordingHandler()
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.controller = Controller(self.handler, hostname=self.host, port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    def wait_for(self, count: int, timeout: float = 60.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.05)
        return self.messages


class FlakySmtpServer:
    """Answers `421` to the first `refusals` connections and hangs up, then becomes a real SmtpServer."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.refused = 0
        self.server = SmtpServer()
        self.host, self.port = self.server.host, self.server.port
        self._listener = socket.create_server((self.host, self.port), reuse_port=False)
        self._thread = threading.Thread(target=self._refuse, daemon=True)

    def start(self) -> FlakySmtpServer:
        self._thread.start()
        return self

    def _refuse(self) -> None:
        with self._listener:
            while self.refused < self.refusals:
                conn, _ = self._listener.accept()
                with conn:
                    conn.sendall(b"421 4.3.2 Service not available, try again later\r\n")
                self.refused += 1
        self.server.start()  # the same port, now a working server

    def stop(self) -> None:
        if self._thread.is_alive():  # still refusing: unblock accept() with one last connection
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
            except OSError:
                pass
            self._thread.join(5)
        try:
            self.server.stop()
        except (AssertionError, RuntimeError, AttributeError):
            pass
