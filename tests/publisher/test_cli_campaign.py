"""`publisher campaign pause|resume|cancel` and header-injection refusals, as a user runs them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from publisher import campaigns, delivery
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow


def publisher(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **env},
        timeout=60,
    )


@pytest.fixture
def article(seed_path: Path) -> str:
    imported = publisher("import", str(seed_path))
    assert imported.returncode == 0, imported.stderr
    assert publisher("subscribers", "add", "a@example.com", "b@example.com", "--list", "readers").returncode == 0
    return imported.stdout.strip()


def nothing_queued() -> bool:
    store = Store(Settings().resolved_database_url)
    try:
        with store.session() as session:
            return session.scalar(select(func.count()).select_from(Campaign)) == 0 and (
                session.scalar(select(func.count()).select_from(OutboxRow)) == 0
            )
    finally:
        store.dispose()


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--subject", "Hello\r\nBcc: victim@example.com"], {}, "subject contains a line break"),
        ([], {"PUBLISHER_NEWSLETTER_NAME": "Daily\nBcc: victim@example.com"}, "List-Id contains a line break"),
        ([], {"PUBLISHER_REPLY_TO": "Desk\r\n <desk@example.org>"}, "Reply-To contains a line break"),
        ([], {"PUBLISHER_FROM": "Desk\r\nBcc: x <desk@example.org>"}, "PUBLISHER_FROM must be one line"),
    ],
    ids=["subject", "list-name", "reply-to", "from-display-name"],
)
def test_a_header_value_with_a_line_break_is_refused_before_anything_is_queued(article, args, env, message):
    sent = publisher("send", article, "--list", "readers", *args, **env)

    assert sent.returncode == 2
    assert message in sent.stderr and "Traceback" not in sent.stderr
    assert nothing_queued()


def test_pause_resume_cancel_from_the_command_line(article):
    created = publisher("send", article, "--list", "readers")  # no worker runs: the rows stay queued
    assert created.returncode == 0, created.stderr
    campaign_id = created.stdout.strip()

    paused = publisher("campaign", "pause", campaign_id)
    assert paused.returncode == 0 and "paused" in paused.stdout
    shown = json.loads(publisher("status", campaign_id, "--format", "json").stdout)
    assert shown["state"] == "paused" and shown["pause_reason"] == "by an operator"
    assert shown["counts"]["queued"] == 2 and "throughput_per_s" in shown

    resumed = publisher("campaign", "resume", campaign_id)
    assert resumed.returncode == 0 and "1 batches dispatched" in resumed.stdout
    again = publisher("campaign", "resume", campaign_id)
    assert again.returncode == 2 and f"campaign {campaign_id} is sending, not paused" in again.stderr

    cancelled = publisher("campaign", "cancel", campaign_id)
    assert cancelled.returncode == 0 and "2 messages will not be sent" in cancelled.stdout
    table = publisher("status", campaign_id)
    assert "cancelled" in table.stdout and "msg/s" in table.stdout

    missing = publisher("campaign", "pause", "999")
    assert missing.returncode == 2 and "no campaign with id 999" in missing.stderr


def _deliver_with_a_missing_dkim_key(campaign_id: int, key: Path) -> None:
    """A worker whose PUBLISHER_DKIM_KEY_PATH names no file: delivery cannot start, so it pauses the campaign."""
    settings = Settings().model_copy(update={"dkim_key_path": key, "dkim_selector": "mail2026"})
    store = Store(settings.resolved_database_url)
    try:
        with store.session() as session:
            [batch] = campaigns.batches(session, campaign_id, 10_000)
        delivery.deliver_batch(store, settings, campaign_id, batch.channel, batch.first_id, batch.last_id)
    finally:
        store.dispose()


@pytest.mark.parametrize(
    ("cause", "reason"),
    [("operator", "by an operator"), ("worker", "delivery cannot start as configured: ")],
)
def test_status_says_paused_once_whoever_paused_the_campaign(article, tmp_path: Path, cause: str, reason: str):
    """Issue 18 item 15: a reason used to start with "paused" itself, and status printed "paused: paused: ..."."""
    campaign_id = publisher("send", article, "--list", "readers").stdout.strip()
    if cause == "operator":
        assert publisher("campaign", "pause", campaign_id).returncode == 0
    else:
        _deliver_with_a_missing_dkim_key(int(campaign_id), tmp_path / "keys" / "dkim.pem")

    shown = publisher("status", campaign_id)

    assert shown.returncode == 0, shown.stderr
    [line] = [line for line in shown.stdout.splitlines() if line.startswith("paused")]
    assert line.startswith(f"paused: {reason}")
    assert json.loads(publisher("status", campaign_id, "--format", "json").stdout)["pause_reason"].startswith(reason)
