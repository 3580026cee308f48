"""The publisher as a user installs it: a wheel that carries everything it runs with, run from anywhere.

The wheel is built from this checkout and installed into a fresh virtualenv outside the repository; every
command runs from an empty directory with no PUBLISHER_* setting but the ones named, so nothing can come
from the source tree or the working directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import tomllib
import venv
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from setuptools import find_namespace_packages

from publisher import __version__
from tests.support.services import free_port

ROOT = Path(__file__).resolve().parent.parent


# Building and installing the wheel (a venv, pip, every dependency) takes minutes on a loaded 2-core machine.
pytestmark = pytest.mark.timeout(1200)


def test_the_listed_packages_are_every_package_on_disk():
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    on_disk = {p for p in find_namespace_packages(where=str(ROOT), include=["publisher*", "workers*"])
               if (ROOT / p.replace(".", "/") / "__init__.py").is_file()}

    assert on_disk <= set(listed), f"add to pyproject.toml's packages: {sorted(on_disk - set(listed))}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel built from this checkout installed; its bin directory."""
    base = tmp_path_factory.mktemp("wheel")
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # setuptools' build/lib: a stale copy must not ship
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(base / "dist"), str(ROOT)],
        check=True, capture_output=True, timeout=600,
    )
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    [wheel] = (base / "dist").glob("publisher-*.whl")
    venv.create(base / "venv", with_pip=True)
    bin_dir = base / "venv" / "bin"
    install = [str(bin_dir / "pip"), "install", "--quiet", str(wheel)]
    subprocess.run(install, check=True, capture_output=True, timeout=900)
    return bin_dir


@pytest.fixture
def empty_dir(tmp_path: Path) -> Path:
    where = tmp_path / "anywhere"
    where.mkdir()
    return where


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("PUBLISHER_", "PYTHON", "VIRTUAL_ENV"))}
    return {**keep, "HOME": str(home), "COLUMNS": "200", **extra}


def test_the_wheel_prints_its_version_from_anywhere(installed: Path, empty_dir: Path):
    shown = subprocess.run(
        [str(installed / "publisher"), "--version"], cwd=empty_dir, env=clean_env(empty_dir),
        capture_output=True, text=True, timeout=60,
    )

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == f"publisher {__version__}"


@pytest.fixture
def demo(installed: Path, empty_dir: Path) -> Path:
    """`publisher demo` run to completion from an empty directory; its data directory."""
    ran = subprocess.run(
        [str(installed / "publisher"), "demo", "--subscribers", "20"], cwd=empty_dir, env=clean_env(empty_dir),
        capture_output=True, text=True, timeout=300,
    )
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    data = empty_dir / "var" / "demo"
    assert len(list((data / "outbox" / "maildir" / "new").iterdir())) == 20
    return data


@pytest.fixture
def served(installed: Path, empty_dir: Path, demo: Path) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [str(installed / "publisher"), "serve", "--port", str(port)], cwd=empty_dir,
        env=clean_env(empty_dir, PUBLISHER_DATA_DIR=str(demo)),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError("publisher serve did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(10)


def test_the_installed_demo_runs_and_serve_answers_a_styled_page_and_the_login(served: str):
    home = httpx.get(f"{served}/", timeout=10)
    assert home.status_code == 200 and '<link rel="stylesheet" href="/static/style.css">' in home.text
    assert "U.S. Rejects Netanyahu" in home.text  # the demo's article, from the wheel's examples
    style = httpx.get(f"{served}/static/style.css", timeout=10)
    assert style.status_code == 200 and "text/css" in style.headers["content-type"] and len(style.text) > 1000
    login = httpx.get(f"{served}/login", timeout=10)
    assert login.status_code == 200 and "Editor login" in login.text
