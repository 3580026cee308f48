"""A real Bluesky PDS (`@atproto/pds`) with a local PLC directory (`@did-plc/server`), started for tests.

Both come from npm on Node 20 (0.4.217 is the newest PDS release that runs on it) and are installed once
into a cache outside the repository (PUBLISHER_NPM_CACHE, by default ~/.cache/publisher-npm, under `pds/`,
as tests/support/axe.py keeps axe-core): the install takes a minute or more, since it builds better-sqlite3.
`.ci/run` installs them when the cache lacks them. Without node or npm, or when the install fails, the tests
that need the PDS skip with the reason, and fail under CI=true.

The PDS runs offline on 127.0.0.1 as bluesky-social/pds's service/index.js starts it (0.4 runs its own
migrations inside PDS.create): PDS_DEV_MODE, hostname `localhost` (so its public URL, which sessions name
as the PDS endpoint, is http://localhost:PORT and handles end in `.test`), no invite required, no AppView,
no crawlers, the PLC directory in memory (`Database.mock()`). Both servers are bound to the loopback only.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.services import free_port

PDS_VERSION = "0.4.217"
PLC_VERSION = "0.0.1"
PACKAGES = (f"@atproto/pds@{PDS_VERSION}", f"@did-plc/server@{PLC_VERSION}")
NPM_CACHE = Path(os.environ.get("PUBLISHER_NPM_CACHE", Path.home() / ".cache" / "publisher-npm"))
PREFIX = NPM_CACHE / "pds"
NODE_MAJOR = 20
# The first use may install the packages (a minute or more, building better-sqlite3): what a test that
# starts the PDS may take, beyond the suite's 180 s default (`pytestmark = pytest.mark.timeout(INSTALL_TIMEOUT)`).
INSTALL_TIMEOUT = 900
# The suite runs on several pytest-xdist workers: every test of the shared PDS goes to one of them, so one
# PDS starts per run (`pytestmark = [..., ON_THE_PDS_WORKER]`).
ON_THE_PDS_WORKER = pytest.mark.xdist_group("pds")

# service/index.js, plus the PLC directory in the same process, both listening on 127.0.0.1 only
# (express's app.listen(port) would take every interface).
_START = """
"use strict";
const { PDS, envToCfg, envToSecrets, readEnv } = require("@atproto/pds");
const { PlcServer, Database } = require("@did-plc/server");
const loopback = (app) => {
  const listen = app.listen.bind(app);
  app.listen = (port) => listen(port, "127.0.0.1");
};
const main = async () => {
  const plc = PlcServer.create({ db: Database.mock(), port: Number(process.env.PLC_PORT) });
  loopback(plc.app);
  await plc.start();
  const env = readEnv();
  env.version ||= process.env.PDS_VERSION;
  const pds = await PDS.create(envToCfg(env), envToSecrets(env));
  loopback(pds.app);
  await pds.start();
  console.log("pds ready");
  process.on("SIGTERM", async () => {
    await pds.destroy();
    await plc.destroy();
    process.exit(0);
  });
};
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
"""


def _installed() -> bool:
    try:
        package = json.loads((PREFIX / "node_modules" / "@atproto" / "pds" / "package.json").read_text())
    except (OSError, ValueError):
        return False
    built = PREFIX / "node_modules" / "better-sqlite3" / "build" / "Release" / "better_sqlite3.node"
    plc = PREFIX / "node_modules" / "@did-plc" / "server" / "package.json"
    return package.get("version") == PDS_VERSION and built.exists() and plc.exists()


def _node_problem() -> str | None:
    node = shutil.which("node")
    if node is None:
        return "node is not installed (apt-get install nodejs npm), so the Bluesky PDS cannot run"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    major = version.lstrip("v").split(".")[0]
    if not major.isdigit() or int(major) < NODE_MAJOR:
        return f"the Bluesky PDS {PDS_VERSION} needs Node {NODE_MAJOR} or later, not {version or 'unknown'}"
    return None


@cache
def install() -> str | None:
    """Install the PDS and the PLC server on first use; None when ready, else the reason they are not."""
    problem = _node_problem()
    if problem is not None or _installed():
        return problem
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed (apt-get install npm), so the Bluesky PDS cannot be fetched"
    PREFIX.mkdir(parents=True, exist_ok=True)
    command = [npm, "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund", "--save-exact", *PACKAGES]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not _installed():
        return f"npm could not install {' '.join(PACKAGES)}: {done.stderr.strip()[-400:]}"
    return None


def require_pds() -> None:
    """Skip (with the reason printed) when the PDS cannot be had; under CI=true that is a failure."""
    problem = install()
    if problem is None:
        return
    print(problem)
    if os.environ.get("CI") == "true":
        pytest.fail(f"{problem}; .ci/run installs node, npm and the PDS into {PREFIX}")
    pytest.skip(problem)


@dataclass
class Pds:
    """A running PDS: its URL, and the few calls a test makes as a user or as the admin."""

    port: int
    admin_password: str
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def xrpc(self, method: str, nsid: str, *, token: str | None = None, **kwargs: Any) -> Any:
        """One XRPC call; the answer's JSON (an error answer raises with the PDS's error and message)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = httpx.request(method, f"{self.base_url}/xrpc/{nsid}", headers=headers, timeout=30, **kwargs)
        if answer.status_code != 200:
            raise AssertionError(f"{nsid} answered {answer.status_code}: {answer.text}")
        return answer.json() if answer.headers.get("content-type", "").startswith("application/json") else answer

    def create_account(self, handle: str, password: str) -> dict[str, Any]:
        """com.atproto.server.createAccount (no invite needed): the new session (did, handle, accessJwt)."""
        body = {"handle": handle, "email": f"{handle.split('.')[0]}@example.org", "password": password}
        session: dict[str, Any] = self.xrpc("POST", "com.atproto.server.createAccount", json=body)
        return session

    def app_password(self, access_jwt: str, name: str = "publisher") -> str:
        """com.atproto.server.createAppPassword: a new app password for the session's account."""
        created = self.xrpc("POST", "com.atproto.server.createAppPassword", token=access_jwt, json={"name": name})
        return str(created["password"])

    def records(self, did: str, collection: str = "app.bsky.feed.post") -> list[dict[str, Any]]:
        """com.atproto.repo.listRecords: the repo's records of one collection, newest first."""
        params = {"repo": did, "collection": collection, "limit": 100}
        listed: list[dict[str, Any]] = self.xrpc("GET", "com.atproto.repo.listRecords", params=params)["records"]
        return listed

    def record(self, uri: str) -> dict[str, Any]:
        """com.atproto.repo.getRecord for an at:// URI: {"uri", "cid", "value"}."""
        repo, collection, rkey = uri.removeprefix("at://").split("/")
        params = {"repo": repo, "collection": collection, "rkey": rkey}
        found: dict[str, Any] = self.xrpc("GET", "com.atproto.repo.getRecord", params=params)
        return found

    def blob(self, did: str, cid: str) -> bytes:
        """com.atproto.sync.getBlob: a blob's bytes as stored."""
        answer = httpx.get(f"{self.base_url}/xrpc/com.atproto.sync.getBlob", params={"did": did, "cid": cid})
        assert answer.status_code == 200, answer.text
        return answer.content

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""


def _environment(directory: Path, port: int, plc_port: int, admin_password: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(directory),
        "NODE_PATH": str(PREFIX / "node_modules"),
        "PDS_VERSION": PDS_VERSION,
        "PLC_PORT": str(plc_port),
        "PDS_PORT": str(port),
        "PDS_HOSTNAME": "localhost",
        "PDS_DEV_MODE": "true",
        "PDS_INVITE_REQUIRED": "false",
        "PDS_DATA_DIRECTORY": str(directory),
        "PDS_BLOBSTORE_DISK_LOCATION": str(directory / "blocks"),
        "PDS_DID_PLC_URL": f"http://127.0.0.1:{plc_port}",
        "PDS_JWT_SECRET": secrets.token_hex(16),
        "PDS_ADMIN_PASSWORD": admin_password,
        "PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX": secrets.token_hex(32),
        "PDS_RATE_LIMITS_ENABLED": "false",
        "LOG_ENABLED": "true",
        "LOG_LEVEL": "warn",
    }


@contextmanager
def running_pds(directory: Path, *, start_timeout: float = 90.0) -> Iterator[Pds]:
    """A PDS (and its PLC directory) on free loopback ports, its data under `directory`; stopped after."""
    require_pds()
    directory.mkdir(parents=True, exist_ok=True)
    port, plc_port = free_port(), free_port()
    pds = Pds(port=port, admin_password=secrets.token_urlsafe(16), log_path=directory / "pds.log")
    env = _environment(directory, port, plc_port, pds.admin_password)
    with open(pds.log_path, "wb") as log:
        process = subprocess.Popen(
            [shutil.which("node") or "node", "-e", _START], cwd=PREFIX, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_healthy(pds, process, start_timeout)
        yield pds
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


_SHARED = ExitStack()
atexit.register(_SHARED.close)


_STARTED: list[Pds | BaseException] = []


def shared_pds() -> Pds:
    """One PDS for the whole test run (started on first use, stopped when the run ends).

    Tests share it safely by each making its own account; starting one takes about ten seconds. A PDS that
    failed to start is not tried again: every later test gets the same failure at once.
    """
    require_pds()
    if not _STARTED:
        try:
            directory = Path(_SHARED.enter_context(tempfile.TemporaryDirectory(prefix="publisher-pds-")))
            _STARTED.append(_SHARED.enter_context(running_pds(directory)))
        except AssertionError as exc:
            _STARTED.append(exc)
    started = _STARTED[0]
    if isinstance(started, BaseException):
        raise AssertionError(str(started))
    return started


def _wait_until_healthy(pds: Pds, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the PDS exited ({process.returncode}) before it answered:\n{pds.log()}")
        try:
            if httpx.get(f"{pds.base_url}/xrpc/_health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"the PDS did not answer /xrpc/_health within {timeout:.0f} s:\n{pds.log()}")
