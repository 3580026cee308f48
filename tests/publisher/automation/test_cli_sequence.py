"""`publisher sequence set|list|remove|disable`, run as an operator runs them (the real CLI process)."""

from __future__ import annotations

import json
from pathlib import Path

from publisher import runtime
from publisher.automation import sequences
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import utcnow
from tests.publisher.test_cli_campaign import publisher
from tests.support.factories import RecordingDispatcher


def test_an_operator_sets_lists_disables_and_removes_steps(tmp_path: Path):
    assert publisher("subscribers", "add", "early@example.com", "--list", "readers").returncode == 0
    body = tmp_path / "welcome.md"
    body.write_text("Thanks for joining **us**.\n")

    saved = publisher(
        "sequence",
        "set",
        "readers",
        "--step",
        "0",
        "--after-days",
        "0",
        "--subject",
        "Welcome",
        "--body-file",
        str(body),
    )
    assert saved.returncode == 0, saved.stderr
    assert "step 0 of 'readers' saved (welcome mail, enabled)" in saved.stdout
    later = publisher(
        "sequence", "set", "readers", "--step", "1", "--after-days", "3", "--subject", "Day 3", "--body-file", str(body)
    )
    assert later.returncode == 0, later.stderr

    listed = json.loads(publisher("sequence", "list", "readers", "--format", "json").stdout)
    assert [(s["step"], s["after_days"], s["subject"], s["enabled"]) for s in listed] == [
        (0, 0, "Welcome", True),
        (1, 3, "Day 3", True),
    ]
    assert "1  after 3 d  Day 3" in publisher("sequence", "list", "readers").stdout

    disabled = publisher("sequence", "disable", "readers", "--step", "1")
    assert disabled.returncode == 0, disabled.stderr
    assert "Day 3 (disabled)" in publisher("sequence", "list", "readers").stdout
    assert publisher("sequence", "remove", "readers", "--step", "1").returncode == 0
    assert [s["step"] for s in json.loads(publisher("sequence", "list", "readers", "-f", "json").stdout)] == [0]


def test_a_reader_added_on_the_command_line_is_welcomed_and_a_csv_import_is_not(tmp_path: Path):
    body = tmp_path / "welcome.md"
    body.write_text("Hello.\n")
    assert publisher("subscribers", "add", "someone@example.com", "--list", "readers").returncode == 0
    assert publisher("sequence", "set", "readers", "--subject", "Welcome", "--body-file", str(body)).returncode == 0
    assert publisher("subscribers", "add", "added@example.com", "--list", "readers").returncode == 0
    people = tmp_path / "people.csv"
    people.write_text("email\nimported@example.com\n")
    assert publisher("subscribers", "import", str(people), "--list", "readers").returncode == 0

    settings = Settings()
    store = Store(settings.resolved_database_url)
    try:
        services = runtime.build(settings, store=store, dispatcher=RecordingDispatcher())
        assert sequences.queue_due(services, now=utcnow()) == 1  # added@ only
    finally:
        store.dispose()


def test_bad_input_is_refused_with_its_problem(tmp_path: Path):
    assert publisher("subscribers", "add", "a@example.com", "--list", "readers").returncode == 0
    body = tmp_path / "welcome.md"
    body.write_text("Hello.\n")

    missing = publisher("sequence", "set", "readers", "--subject", "Hi", "--body-file", str(tmp_path / "nope.md"))
    assert missing.returncode == 2 and "nope.md: no such file" in missing.stderr
    unknown = publisher("sequence", "set", "nobody", "--subject", "Hi", "--body-file", str(body))
    assert unknown.returncode == 2 and "nobody" in unknown.stderr
    negative = publisher(
        "sequence", "set", "readers", "--after-days", "-2", "--subject", "Hi", "--body-file", str(body)
    )
    assert negative.returncode == 2 and "the delay is -2 days" in negative.stderr
    gone = publisher("sequence", "remove", "readers", "--step", "4")
    assert gone.returncode == 2 and "list 'readers' has no sequence step 4" in gone.stderr
