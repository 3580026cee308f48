"""axe-core (from npm) run in a Playwright page: the page's accessibility violations.

axe-core is installed once with npm into a cache outside the repository (PUBLISHER_NPM_CACHE, by default
~/.cache/publisher-npm) and reused by every later run. It is injected with page.evaluate, which the pages'
Content-Security-Policy (no inline scripts) does not apply to. Without npm, or when the install fails, the
tests that need it skip with the reason, and fail under CI=true (.ci/run installs npm when it is missing).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

AXE_VERSION = "4"
NPM_CACHE = Path(os.environ.get("PUBLISHER_NPM_CACHE", Path.home() / ".cache" / "publisher-npm"))
AXE_JS = NPM_CACHE / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")  # what fails a test; "minor" and "moderate" are reported, not failed on


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; .ci/run installs npm, and axe-core goes to {NPM_CACHE}")
    pytest.skip(reason)


@cache
def _install() -> str | None:
    """axe-core's source, installed with npm on first use; None with the reason printed when it cannot be."""
    if AXE_JS.exists():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed (apt-get install npm), so axe-core cannot be fetched"
    NPM_CACHE.mkdir(parents=True, exist_ok=True)
    # The suite's parallel workers may all arrive here first: one installs, the others wait for it.
    with open(NPM_CACHE / ".axe-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if AXE_JS.exists():
            return None
        command = [npm, "install", "--prefix", str(NPM_CACHE), "--no-audit", "--no-fund", f"axe-core@{AXE_VERSION}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or not AXE_JS.exists():
        return f"npm could not install axe-core@{AXE_VERSION}: {done.stderr.strip()[-400:]}"
    return None


def axe_source() -> str:
    """axe.min.js; skips (or fails under CI=true) when it cannot be had."""
    problem = _install()
    if problem is not None:
        print(problem)
        _unavailable(problem)
    return AXE_JS.read_text()


def violations(page: Any, *, impacts: tuple[str, ...] = BLOCKING) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now (WCAG 2.x A and AA and best practices), of these impacts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    found = page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }"""
    )
    return [v for v in found if v["impact"] in impacts]


def describe(found: list[dict[str, Any]]) -> str:
    """Violations as a test failure reads them: rule, impact, what it asks, and where."""
    lines = []
    for v in found:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        lines += [f"    at {n['target']}: {(n['summary'] or '').splitlines()[-1].strip()}" for n in v["nodes"][:5]]
    return "\n".join(lines)
