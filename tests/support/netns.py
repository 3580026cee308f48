"""Test hosts made with Linux network namespaces: each host a namespace with one veth into a bridge in the
root namespace, on a private /24 of 10.213.0.0/16 that no interface here uses yet.

The root namespace holds the bridge's address (.1): services of the machine (PostgreSQL, Redis) are offered
to the hosts there, through a forwarder or a private server bound to that address. A host's link can be
taken down and up again (`cut` / `restore`): for the host, the network is gone, as for a pulled cable.

Everything made is torn down by `close()` (namespaces, veths, bridge, the processes started in them), also
after a failure; names carry a random suffix, so two runs on one machine never meet.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


def unavailable() -> str | None:
    """Why namespaces cannot be made here (not root, no `ip`, no permission), or None when they can."""
    if sys.platform != "linux":
        return "network namespaces are Linux only"
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is not installed"
    if os.geteuid() != 0:
        return "making network namespaces needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN)"
    probe = f"pubprobe{secrets.token_hex(3)}"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"`ip netns add` failed: {made.stderr.strip()}"
    _ip("netns", "delete", probe, check=False)
    return None


def require_namespaces() -> None:
    """Skip with the reason when namespaces cannot be made; under CI=true that is a failure instead."""
    reason = unavailable()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the many-hosts test as root")
    pytest.skip(reason)


def require_program(name: str, why: str) -> None:
    """Skip when a program the test runs is not installed; under CI=true that is a failure instead."""
    if shutil.which(name) is not None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is not installed: {why}")
    pytest.skip(f"{name} is not installed: {why}")


def _free_subnet() -> str:
    """A 10.213.N prefix that no address on this machine is in."""
    used = _ip("-o", "-4", "addr").stdout
    for _ in range(50):
        prefix = f"10.213.{secrets.randbelow(250) + 1}"
        if f" {prefix}." not in used:
            return prefix
    raise RuntimeError("no free /24 in 10.213.0.0/16")


@dataclass
class Host:
    """One test host: a namespace with address `ip`, linked to the bridge by a veth (`root_end` outside)."""

    name: str
    ns: str
    ip: str
    root_end: str

    def argv(self, command: Sequence[str]) -> list[str]:
        """The command run inside this host (`ip netns exec` execs it: same pid, same process group)."""
        return ["ip", "netns", "exec", self.ns, *command]

    def cut(self) -> None:
        """Pull the cable: the host's link goes down, so it reaches nobody and nobody reaches it."""
        _ip("link", "set", self.root_end, "down")

    def restore(self) -> None:
        _ip("link", "set", self.root_end, "up")


@dataclass
class TestNet:
    """A bridge in the root namespace and the hosts hanging off it."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    tag: str = field(default_factory=lambda: secrets.token_hex(3))
    prefix: str = field(default_factory=_free_subnet)
    hosts: dict[str, Host] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    bridge: str = ""

    @property
    def gateway(self) -> str:
        """The root namespace's address on the test subnet: where the hosts find the machine's services."""
        return f"{self.prefix}.1"

    def open(self) -> TestNet:
        self.bridge = f"pubbr{self.tag}"
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        return self

    def add_host(self, name: str) -> Host:
        number = len(self.hosts) + 10
        host = Host(name, f"pub{name}{self.tag}", f"{self.prefix}.{number}", f"pv{number}{self.tag}")
        inner = f"pi{number}{self.tag}"
        self.hosts[name] = host  # before it exists, so close() removes whatever part of it was made
        _ip("netns", "add", host.ns)
        _ip("link", "add", host.root_end, "type", "veth", "peer", "name", inner)
        _ip("link", "set", inner, "netns", host.ns)
        _ip("link", "set", host.root_end, "master", self.bridge)
        _ip("link", "set", host.root_end, "up")
        _ip("-n", host.ns, "addr", "add", f"{host.ip}/24", "dev", inner)
        _ip("-n", host.ns, "link", "set", inner, "up")
        _ip("-n", host.ns, "link", "set", "lo", "up")
        return host

    def start(
        self, argv: Sequence[str], env: dict[str, str] | None = None, log: Path | None = None
    ) -> subprocess.Popen[bytes]:
        """A process (in a host when argv comes from Host.argv), its own process group, output to `log`."""
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
        try:
            process = subprocess.Popen(
                list(argv),
                env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **(env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            if not isinstance(out, int):
                out.close()
        self.processes.append(process)
        return process

    def python(self, module: str, *args: str) -> list[str]:
        """`python -m module args` with this interpreter (the tests' virtualenv)."""
        return [sys.executable, "-m", module, *args]

    def close(self) -> list[str]:
        """Stop every process (TERM, then KILL), remove the namespaces, veths and bridge; what failed."""
        problems: list[str] = []
        for process in self.processes:
            _signal_group(process, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(10)
        for host in self.hosts.values():
            _ip("link", "delete", host.root_end, check=False)  # the peer inside goes with it
            gone = _ip("netns", "delete", host.ns, check=False)
            if gone.returncode != 0 and "No such file" not in gone.stderr:
                problems.append(f"netns {host.ns}: {gone.stderr.strip()}")
        if self.bridge:
            _ip("link", "delete", self.bridge, check=False)
        left = [h.ns for h in self.hosts.values() if h.ns in _ip("netns", "list").stdout]
        problems += [f"namespace {ns} is still there" for ns in left]
        return problems


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
