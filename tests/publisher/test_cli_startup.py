"""The CLI starts fast because each command imports only what it uses (issue 10). Checked by what a run
loaded, not by timing it: `benchmarks/startup.py` measures the time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from publisher.cli.common import word
from publisher.errors import AlreadyShared, Conflict, PublisherError

# Libraries no command needs before it runs: the web app, Celery, the network clients, the renderer.
HEAVY = ["celery", "kombu", "fastapi", "uvicorn", "starlette", "premailer", "jinja2", "atproto", "tweepy", "mastodon"]

PROBE = """
import json, runpy, sys
sys.argv = ["publisher", *json.loads(sys.argv[1])]
try:
    runpy.run_module("publisher", run_name="__main__")
except SystemExit:
    pass
with open({out!r}, "w") as handle:
    json.dump(sorted({{name.split(".")[0] for name in sys.modules}}), handle)
"""


def loaded_by(tmp_path: Path, *args: str) -> set[str]:
    """The top-level packages imported by one run of `publisher ARGS`."""
    out = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", PROBE.format(out=str(out)), json.dumps(args)],
        capture_output=True,
        env={**os.environ, "COLUMNS": "200", "PUBLISHER_DATA_DIR": str(tmp_path / "data")},
        timeout=60,
        check=True,
    )
    return set(json.loads(out.read_text()))


def test_help_loads_no_service_no_database_and_no_settings(tmp_path: Path):
    loaded = loaded_by(tmp_path, "--help")

    assert loaded & {*HEAVY, "sqlalchemy", "alembic", "pydantic", "pydantic_settings", "twitter_text"} == set()
    assert not (tmp_path / "data").exists()


def test_a_subcommand_s_help_opens_no_database(tmp_path: Path):
    loaded = loaded_by(tmp_path, "subscribers", "add", "--help")

    assert "sqlalchemy" not in loaded and not (tmp_path / "data").exists()


def test_status_loads_neither_the_web_app_nor_celery_nor_a_network_client(tmp_path: Path):
    loaded = loaded_by(tmp_path, "status", "1")  # no such campaign: an error, after the same imports

    assert "sqlalchemy" in loaded  # it did open the database
    assert loaded & {"celery", "kombu", "fastapi", "uvicorn", "starlette", "atproto", "tweepy", "mastodon"} == set()


def test_a_conflict_is_worded_with_the_command_s_force_option():
    shared = AlreadyShared(3, "mastodon:social", "https://social.example/@me/1")

    assert word(shared, {"channel", "force"}) == (
        "article 3 is already shared to mastodon:social at https://social.example/@me/1; use --force to share again"
    )
    assert word(Conflict("a send of these articles went out an hour ago"), {"force"}).endswith(
        "; use --force to go ahead anyway"
    )
    assert word(Conflict("campaign 4 is sending"), {"campaign_id"}) == "campaign 4 is sending"
    assert word(PublisherError("no campaign with id 9"), {"force"}) == "no campaign with id 9"
