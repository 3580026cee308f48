"""SMTP connections: open (EHLO, STARTTLS or implicit TLS with the certificate checked, login), fail over, verify.

Several servers may be configured: the pool stays on the first one that answers and fails over to the
next when a server cannot be used.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
import struct
from collections.abc import Sequence

from publisher.channels.base import ConnectionFailed, SetupFailed
from publisher.channels.smtp.config import SECURITY, SmtpConfig
from publisher.channels.smtp.replies import connect_error
from publisher.errors import ConfigError

log = logging.getLogger(__name__)


class ServerPool:
    """The configured servers in failover order, with one TLS context per CA bundle."""

    def __init__(self, servers: Sequence[SmtpConfig]) -> None:
        self.servers = list(servers)
        if not self.servers:
            raise ValueError("the smtp channel needs at least one server")
        self.current = 0
        self._contexts: dict[str | None, ssl.SSLContext] = {}
        for cfg in self.servers:
            if cfg.security not in SECURITY:
                raise ConfigError(f"PUBLISHER_SMTP_SECURITY must be none, starttls or ssl, not {cfg.security!r}")
            if cfg.security != "none":
                self._tls_context(cfg)  # a missing or unreadable CA file is a configuration error, now

    @property
    def config(self) -> SmtpConfig:
        """The server in use (or to be tried first)."""
        return self.servers[self.current]

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

    def open(self, cfg: SmtpConfig) -> tuple[smtplib.SMTP, str]:
        """A connection, after EHLO, TLS and login as configured, and the server's greeting."""
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
            conn._host = cfg.host  # type: ignore[attr-defined]
            code, greeting = conn.connect(cfg.host, cfg.port)
            if code != 220:
                raise smtplib.SMTPConnectError(code, greeting)
            _linger(conn, reset=True)
            conn.ehlo()
            if cfg.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise SetupFailed(
                        f"SMTP server {cfg.where} does not offer STARTTLS, which PUBLISHER_SMTP_SECURITY=starttls "
                        "requires; nothing was sent"
                    )
                conn.starttls(context=self._tls_context(cfg))
                conn.ehlo()
            if cfg.username:
                if not conn.has_extn("auth"):
                    hint = " (servers often offer it only over TLS: see PUBLISHER_SMTP_SECURITY)"
                    raise SetupFailed(
                        f"SMTP server {cfg.where} does not offer AUTH, so cannot log in as {cfg.username!r}"
                        + (hint if cfg.security == "none" else "")
                    )
                conn.login(cfg.username, cfg.password or "")
        except BaseException as exc:
            if conn is not None:
                conn.close()
            raise connect_error(exc, cfg) from None
        return conn, greeting.decode("utf-8", "replace")

    def connect(self) -> smtplib.SMTP:
        """A connection to the current server, else to the next ones in turn.

        When none can be used, the failures of all are raised together: as SetupFailed if any server refused
        the configuration (certificate, STARTTLS, login), which retrying will not fix, else as ConnectionFailed.
        """
        failures: list[str] = []
        setup_failed = False
        for step in range(len(self.servers)):
            index = (self.current + step) % len(self.servers)
            try:
                conn, _ = self.open(self.servers[index])
            except (ConnectionFailed, SetupFailed) as exc:
                failures.append(str(exc))
                setup_failed = setup_failed or isinstance(exc, SetupFailed)
                if isinstance(exc, SetupFailed) and len(self.servers) > 1:
                    log.warning("skipping an SMTP server: %s", exc)
                continue
            self.current = index
            return conn
        self.current = (self.current + 1) % len(self.servers)  # next time, start with another server
        raise (SetupFailed if setup_failed else ConnectionFailed)("; ".join(failures))

    def verify(self) -> str:
        """Connect to every server (EHLO, TLS, login as configured), say QUIT, send nothing; who answered.

        Raises the first failing server's ChannelError otherwise.
        """
        seen: list[str] = []
        for cfg in self.servers:
            conn, greeting = self.open(cfg)
            try:
                seen.append(describe(cfg, conn, greeting))
            finally:
                quit_quietly(conn)
        return "; ".join(seen)


def quit_quietly(conn: smtplib.SMTP) -> None:
    """QUIT, or just close when the server is already gone."""
    try:
        _linger(conn, reset=False)
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


def _linger(conn: smtplib.SMTP, *, reset: bool) -> None:
    """Whether closing the connection resets it (discarding what the kernel still holds to send) or closes it.

    Reset is the rule from the greeting on: smtplib closes the socket itself when a read fails (a timeout), and
    a plain close would send the rest of a message's data (its final ".") once the network is back, so the
    server takes the message after its row was put back for a retry or taken over by another worker: a
    duplicate (tests/workers/test_many_hosts.py saw it, a host's link down longer than the SMTP timeout).
    Only QUIT, after which nothing is left to send, closes in order.
    """
    sock = getattr(conn, "sock", None)
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1 if reset else 0, 0))
    except OSError:
        pass


def describe(cfg: SmtpConfig, conn: smtplib.SMTP, greeting: str) -> str:
    """`mx.example.org at host:port (STARTTLS TLSv1.3, logged in as 'user'; greeting: ...)`."""
    ehlo = (conn.ehlo_resp or b"").decode("utf-8", "replace").splitlines()
    name = ehlo[0].split()[0] if ehlo and ehlo[0].split() else "(no EHLO name)"
    sock = conn.sock
    tls = sock.version() if isinstance(sock, ssl.SSLSocket) else None
    parts = [f"{'STARTTLS' if cfg.security == 'starttls' else 'implicit TLS'} {tls}" if tls else "no TLS"]
    parts.append(f"logged in as {cfg.username!r}" if cfg.username else "no login")
    first = greeting.splitlines()[0] if greeting else ""
    return f"{name} at {cfg.where} ({', '.join(parts)}; greeting: {first[:120]!r})"
