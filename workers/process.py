"""Start and stop a worker as a child process (the demo and the end-to-end tests use real workers)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

# Where the publisher and workers packages are imported from (a checkout or site-packages), for the child.
IMPORT_ROOT = Path(__file__).resolve().parent.parent


def spawn_worker(
    env: dict[str, str], *, concurrency: int = 2, log_path: Path | None = None, loglevel: str = "INFO"
) -> subprocess.Popen[bytes]:
    """`python -m publisher worker` with these PUBLISHER_* variables on top of the current environment."""
    full_env = {**os.environ, **env}
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(IMPORT_ROOT), os.environ.get("PYTHONPATH")]))
    log: BinaryIO | int = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - the child's
    try:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "publisher",
                "worker",
                "--concurrency",
                str(concurrency),
                "--loglevel",
                loglevel,
            ],
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so stop_worker can signal the pool children too
        )
    finally:
        if not isinstance(log, int):
            log.close()


def stop_worker(process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """Warm shutdown (SIGTERM), then SIGKILL to the whole process group if it does not stop in time."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        kill_worker(process)


def kill_worker(process: subprocess.Popen[bytes]) -> None:
    """kill -9 the worker and its pool children, as a crash would."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
