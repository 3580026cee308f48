"""The real CLI in its own process, as an operator runs it."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(env: dict[str, str], *args: str) -> str:
    """`python -m publisher ARGS` with these variables over the test's environment; its stdout, or a failure
    showing its stderr."""
    command = [sys.executable, "-m", "publisher", *args]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env}, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
