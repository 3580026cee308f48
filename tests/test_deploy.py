"""The files that run the publisher as services: systemd units that systemd accepts, a container image and
compose file that say what the README says, an entry point that parses."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
BIN = Path(sys.executable).parent  # this virtualenv's publisher and uvicorn stand in for /opt/publisher/bin


def test_systemd_accepts_the_unit_files(tmp_path: Path):
    if shutil.which("systemd-analyze") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("systemd-analyze is not installed (Debian: apt-get install systemd)")
        pytest.skip("systemd-analyze is not installed: cannot verify the unit files")
    assert UNITS, "no unit files in deploy/systemd/"
    for unit in UNITS:  # a template (name@.service) is verified as one instance of it
        text = unit.read_text().replace("/opt/publisher/bin", str(BIN))
        (tmp_path / unit.name.replace("@.", "@1.")).write_text(text)

    checked = subprocess.run(
        ["systemd-analyze", "verify", *map(str, sorted(tmp_path.glob("*.service")))],
        capture_output=True, text=True, timeout=60,
    )

    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr


def test_the_web_unit_runs_uvicorn_behind_the_proxy_with_several_workers():
    web = (ROOT / "deploy" / "systemd" / "publisher-web.service").read_text()

    assert "--factory publisher.web:create_app" in web and "--proxy-headers" in web
    assert re.search(r"--workers \d", web) and "ExecStartPre=/opt/publisher/bin/publisher db upgrade" in web
    caddy = (ROOT / "deploy" / "caddy" / "Caddyfile").read_text()
    assert "reverse_proxy 127.0.0.1:8000" in caddy and "--host 127.0.0.1 --port 8000" in web


def test_the_image_installs_the_wheel_and_runs_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert dockerfile.count("FROM python:3.11-slim") == 2  # build stage, runtime stage
    for source in re.findall(r"^COPY (\S+) ", dockerfile, re.M):
        if not source.startswith("--from"):
            assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which is not in the repository"
    assert "pip wheel" in dockerfile and "pip install --no-cache-dir /wheels/*.whl" in dockerfile
    assert re.search(r"^USER publisher$", dockerfile, re.M)
    entrypoint = ROOT / "deploy" / "docker-entrypoint.sh"
    assert os.access(entrypoint, os.X_OK)
    assert subprocess.run(["sh", "-n", str(entrypoint)], capture_output=True).returncode == 0


def test_compose_runs_postgresql_redis_web_workers_and_flower_under_a_profile():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())

    assert set(compose["services"]) == {"postgres", "redis", "web", "worker", "flower"}
    web, worker, flower = (compose["services"][name] for name in ("web", "worker", "flower"))
    assert web["command"] == ["web"] and worker["command"] == ["worker"]
    # One set of settings for every process; a worker adds only its own process count.
    assert {k: v for k, v in worker["environment"].items() if k.startswith("PUBLISHER_")} == web["environment"]
    assert web["environment"]["PUBLISHER_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert web["environment"]["PUBLISHER_BROKER_URL"].startswith("redis://")
    assert flower["profiles"] == ["flower"] and "profiles" not in worker
    assert flower["environment"]["CELERY_BROKER_URL"] == web["environment"]["PUBLISHER_BROKER_URL"]
    assert all(port.startswith("127.0.0.1:") for port in flower["ports"])  # Flower can revoke tasks


def test_the_readme_says_what_compose_runs_and_which_settings_every_host_shares():
    from publisher.config import Settings

    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running on several machines", 1)[1].split("\n## ", 1)[0]
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    shared = compose["services"]["web"]["environment"]

    for service in compose["services"]:
        assert f"`{service}`" in section, f"README's 'Running on several machines' does not name {service}"
    assert "--profile flower" in section and "--scale worker=" in section
    named = set(re.findall(r"`(PUBLISHER_[A-Z0-9_]+)", section))
    assert named - {f"PUBLISHER_{f.upper()}" for f in Settings.model_fields} == set()  # real settings only
    for key in ("PUBLISHER_DATABASE_URL", "PUBLISHER_BROKER_URL", "PUBLISHER_SECRET_KEY", "PUBLISHER_BASE_URL"):
        assert key in named and key in shared


def _compose() -> list[str] | None:
    """The Compose command here: the docker CLI's plugin, else the standalone docker-compose."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


@pytest.mark.parametrize("profile", [[], ["--profile", "flower"]], ids=["default", "flower"])
def test_docker_compose_accepts_the_file(profile: list[str]):
    compose = _compose()
    if compose is None:
        if os.environ.get("CI") == "true":
            pytest.fail("neither `docker compose` nor `docker-compose` is installed (.ci/run installs docker-compose)")
        pytest.skip("Docker Compose is not installed here: `docker compose config` cannot check compose.yaml")

    checked = subprocess.run(
        [*compose, "-f", str(ROOT / "compose.yaml"), *profile, "config", "--services"],
        capture_output=True, text=True, env={**os.environ, "PUBLISHER_SECRET_KEY": "x"}, timeout=60,
    )

    assert checked.returncode == 0, checked.stderr
    expected = {"postgres", "redis", "web", "worker"} | ({"flower"} if profile else set())
    assert expected <= set(checked.stdout.split())  # Compose v1 lists profiled services either way


def test_the_ci_script_parses_and_runs_make_test():
    script = ROOT / ".ci" / "run"

    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    lines = script.read_text().splitlines()
    assert "set -euo pipefail" in lines and lines[-1] == "make test"


def test_the_bounce_unit_runs_the_listener_where_the_settings_say():
    unit = (ROOT / "deploy" / "systemd" / "publisher-bounces.service").read_text()
    example = (ROOT / "deploy" / "publisher.env.example").read_text()

    assert "ExecStart=/opt/publisher/bin/publisher bounces serve" in unit
    assert "KillSignal=SIGTERM" in unit and "EnvironmentFile=/etc/publisher/publisher.env" in unit
    assert re.search(r"^PUBLISHER_BOUNCE_LISTEN=127\.0\.0\.1:\d+$", example, re.M)
