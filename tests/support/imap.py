"""A real IMAP server for tests: Debian's Dovecot, run from a throwaway directory on free ports of 127.0.0.1.

TLS is required (implicit TLS and STARTTLS), with a certificate from a throwaway CA (tests.support.tls);
one account in a passwd-file, mail in a Maildir. Messages go in with IMAP APPEND, as any client puts them.
When Dovecot is missing the test is skipped with the reason, except under CI=true, where it fails
(.ci/run installs dovecot-imapd).
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import re
import shutil
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.services import free_port, port_open
from tests.support.tls import Authority, make_ca, server_context

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "bounces", "imap-test-password-7f3a"


def require_dovecot() -> str:
    """Dovecot's path; skip (with the reason) when it is not installed, fail under CI=true."""
    found = shutil.which("dovecot") or (DOVECOT if os.access(DOVECOT, os.X_OK) else None)
    if found:
        return found
    reason = "Dovecot is not installed (Debian: apt-get install dovecot-imapd)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must install it (see .ci/run)")
    pytest.skip(reason)


@dataclass
class ImapServer:
    """A running Dovecot: its ports, the CA its certificate is signed by, and a client to arrange and assert."""

    directory: Path
    port: int  # implicit TLS (imaps)
    starttls_port: int  # plain IMAP that requires STARTTLS before login
    ca: Authority
    process: subprocess.Popen[bytes] | None = None
    user: str = USER
    password: str = PASSWORD
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.directory / "dovecot.log"

    def url(self, folder: str = "INBOX", *, starttls: bool = False) -> str:
        if starttls:
            return f"imap://{self.user}@127.0.0.1:{self.starttls_port}/{folder}?starttls"
        return f"imaps://{self.user}@127.0.0.1:{self.port}/{folder}"

    @contextlib.contextmanager
    def client(self) -> Iterator[imaplib.IMAP4_SSL]:
        context = ssl.create_default_context(cafile=str(self.ca.pem))
        conn = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=context, timeout=30)
        try:
            conn.login(self.user, self.password)
            yield conn
        finally:
            with contextlib.suppress(Exception):
                conn.logout()

    def append(self, raw: bytes, folder: str = "INBOX", flags: str = "") -> None:
        with self.client() as conn:
            typ, data = conn.append(folder, f"({flags})" if flags else None, None, raw)
            assert typ == "OK", data

    def flags(self, folder: str = "INBOX") -> list[set[str]]:
        """The flags of every message in a folder, in order."""
        with self.client() as conn:
            typ, count = conn.select(f'"{folder}"', readonly=True)
            if typ != "OK" or count[0] in (b"0", None):
                return []
            typ, data = conn.fetch("1:*", "(FLAGS)")
            out = []
            for line in data:
                if isinstance(line, bytes) and b"FLAGS" in line:
                    found = re.search(rb"FLAGS \(([^)]*)\)", line)
                    out.append(set(found.group(1).decode().split()) if found else set())
            return out

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _mail_owner() -> tuple[int, int, str]:
    """(uid, gid, name) mail is stored as: the current user, or nobody when run as root (Dovecot refuses
    mail access as uid 0)."""
    if os.getuid() != 0:
        entry = pwd.getpwuid(os.getuid())
        return entry.pw_uid, entry.pw_gid, entry.pw_name
    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid, entry.pw_name


def _config(directory: Path, port: int, starttls_port: int, cert: Path, key: Path, extra: str) -> str:
    uid, gid, name = _mail_owner()
    # Unprivileged, Dovecot runs its internal and login processes as the current user (and cannot chroot
    # the login process: no chroot either way); as root, as its own (Debian's dovecot and dovenull).
    users = "" if os.getuid() == 0 else f"default_internal_user = {name}\ndefault_login_user = {name}\n"
    return f"""
base_dir = {directory}/run
state_dir = {directory}/state
log_path = {directory}/dovecot.log
protocols = imap
listen = 127.0.0.1
{users}first_valid_uid = {uid}
last_valid_uid = {uid}
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {directory}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={directory}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {starttls_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
{extra}
"""


@contextlib.contextmanager
def dovecot(extra_config: str = "") -> Iterator[ImapServer]:
    """A Dovecot with one account (USER, PASSWORD) and an empty INBOX; stopped and removed afterwards.

    extra_config: more Dovecot settings, e.g. an `imap_capability` without MOVE.
    """
    binary = require_dovecot()
    # Not pytest's tmp_path: Dovecot's login and mail processes run as other users, who must reach it.
    directory = Path(tempfile.mkdtemp(prefix="publisher-dovecot-"))
    directory.chmod(0o755)
    try:
        ca = make_ca(directory, "Publisher IMAP test CA")
        certs = directory / "certs"
        certs.mkdir()
        server_context(ca, certs, ("localhost", "127.0.0.1"))  # writes server-<serial>.crt and .key there
        [cert], [key] = certs.glob("*.crt"), certs.glob("*.key")
        uid, gid, _ = _mail_owner()
        home = directory / "home" / USER
        home.mkdir(parents=True)
        for path in (directory / "home", home):
            os.chown(path, uid, gid)
        (directory / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        port, starttls_port = free_port(), free_port()
        conf = directory / "dovecot.conf"
        conf.write_text(_config(directory, port, starttls_port, cert, key, extra_config))
        server = ImapServer(directory, port, starttls_port, ca)
        server.process = subprocess.Popen(
            [binary, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 20
        while not (port_open("127.0.0.1", port, 0.2) and port_open("127.0.0.1", starttls_port, 0.2)):
            if server.process.poll() is not None or time.monotonic() > deadline:
                stderr = server.process.stderr.read().decode(errors="replace") if server.process.stderr else ""
                log = server.log.read_text(errors="replace") if server.log.exists() else ""
                server.stop()
                pytest.fail(f"Dovecot did not start: {stderr} {log}")
            time.sleep(0.1)
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
