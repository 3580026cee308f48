"""`publisher subscribers bounces --report` as an operator runs it: a real process over a store with real bounces."""

import json
import mailbox
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from publisher.config import Settings
from publisher.store import Store
from tests.support.bounce_seed import BLOCKED, MAILBOX_FULL, USER_UNKNOWN, bounce, campaign_to
from tests.support.dsn import postfix_dsn
from tests.support.factories import subscribe


def publisher(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "220", **env},
        timeout=60,
    )


@pytest.fixture
def bounced(store: Store, settings: Settings) -> dict[str, int]:
    """A sending campaign paused by 5 blocked bounces at gmail.test, and an older one with a user unknown."""
    com = subscribe(store, "readers", 20, domain="example.com")
    gmail = subscribe(store, "gmail", 80, domain="gmail.test")
    old = campaign_to(store, com, subject="October")
    bounce(store, settings, old, com[0], USER_UNKNOWN, date=datetime.now(UTC) - timedelta(days=30))
    paused = campaign_to(store, com + gmail, subject="November <b>news</b>", state="sending")
    for email in gmail[:5]:
        bounce(store, settings, paused, email, BLOCKED)
    bounce(store, settings, paused, com[1], MAILBOX_FULL)
    store.dispose()  # the command opens the same SQLite file
    return {"old": old, "paused": paused}


def test_report_shows_the_paused_campaign_first_then_campaigns_domains_and_reasons(bounced):
    done = publisher("subscribers", "bounces", "--report")

    assert done.returncode == 0, done.stderr
    text = done.stdout
    alarm = text.index(f"PAUSED: campaign {bounced['paused']} 'November <b>news</b>'")
    assert alarm < text.index("Per campaign") < text.index("Per receiving domain") < text.index("Totals by reason")
    assert "5 of 100 messages came back for the sender's problem, most of them sender blocked at gmail.test" in text
    assert f"publisher campaign resume {bounced['paused']}" in text
    assert "sender blocked 5, mailbox full 1" in text
    assert "spamhaus" in text
    assert "user unknown (suppressed)" in text and "sender blocked (sender's problem)" in text


def test_alarms_are_red_and_bold(bounced):
    done = publisher("subscribers", "bounces", "--report", FORCE_COLOR="1", TERM="xterm-256color")

    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if "PAUSED" in line)
    assert line.startswith("\x1b[1;31mPAUSED"), repr(line[:40])


def test_report_as_json_narrowed_to_a_campaign_and_a_time(bounced):
    done = publisher("subscribers", "bounces", "--report", "--since", "7d", "--format", "json")
    one = publisher("subscribers", "bounces", "--report", "--campaign", str(bounced["old"]), "--format", "json")

    assert done.returncode == 0, done.stderr
    recent = json.loads(done.stdout)
    assert [c["id"] for c in recent["campaigns"]] == [bounced["paused"]]
    assert recent["by_reason"] == {"blocked": 5, "mailboxfull": 1}
    assert recent["alarms"][0]["paused"] is True and recent["alarms"][0]["campaign_id"] == bounced["paused"]
    assert [d["domain"] for d in recent["domains"]] == ["gmail.test", "example.com"]
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout)["by_reason"] == {"userunknown": 1}


def test_neither_a_mailbox_nor_report_is_a_clear_error():
    done = publisher("subscribers", "bounces")

    assert done.returncode == 2
    assert "give a mailbox PATH to read, or --report" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--report", "--since", "last week"], "--since 'last week': give a span like 7d, 12h or 2w"),
        (["--report", "--campaign", "0"], "--campaign 0: a campaign id is a positive number"),
        (["--since", "7d"], "--campaign, --since and --format go with --report"),
    ],
)
def test_bad_report_options_are_refused_naming_the_problem(args: list[str], message: str):
    done = publisher("subscribers", "bounces", *args)

    assert done.returncode == 2, done.stdout
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_mailbox_read_with_report_is_read_first_then_reported(store: Store, settings: Settings, tmp_path: Path):
    [reader] = subscribe(store, "readers", 1)
    campaign = campaign_to(store, [reader])
    store.dispose()
    box = mailbox.mbox(str(tmp_path / "bounces.mbox"))
    box.add(
        postfix_dsn(
            reader,
            "5.1.1",
            USER_UNKNOWN[1].format(email=reader),
            original_message_id=f"<publisher.c{campaign}.r1@{settings.sender_domain}>",
        )
    )
    box.flush()

    done = publisher("subscribers", "bounces", str(tmp_path / "bounces.mbox"), "--report", "--format", "json")

    assert done.returncode == 0, done.stderr
    assert "1 suppressed; 0 messages were not bounce reports" in done.stderr  # stdout is the JSON alone
    assert json.loads(done.stdout)["campaigns"][0]["by_kind"] == {"hard": 1}
