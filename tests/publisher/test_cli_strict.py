"""`publisher send` and the accessibility check: warnings on stderr, and --strict refusing to send."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from publisher.store import Store
from publisher.store.models import Campaign
from tests.publisher.test_cli_send_twice import publisher

PALE = {"PUBLISHER_ACCENT_COLOUR": "#9fc5ef"}  # links at 1.79:1 on white


def campaigns_made(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Campaign)) or 0


def test_findings_are_warnings_on_stderr_and_the_digest_goes_out(seed_path: Path, store: Store):
    article = publisher("import", str(seed_path)).stdout.strip()
    publisher("subscribers", "add", "a@example.com", "--list", "readers")

    sent = publisher("send", article, "--list", "readers", **PALE)

    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.strip().isdigit()
    assert "warning: “Read on the web” is #9fc5ef on #fff: contrast 1.79:1, under WCAG AA's 4.5:1 (low_contrast)" in (
        sent.stderr
    )
    assert campaigns_made(store) == 1


def test_strict_refuses_to_send_naming_the_findings(seed_path: Path, store: Store):
    article = publisher("import", str(seed_path)).stdout.strip()
    publisher("subscribers", "add", "a@example.com", "--list", "readers")

    refused = publisher("send", article, "--list", "readers", "--strict", **PALE)

    assert refused.returncode == 2 and refused.stdout == ""
    assert "the digest has 1 accessibility finding, so a strict send is refused: low_contrast:" in refused.stderr
    assert "#9fc5ef on #fff" in refused.stderr and "Traceback" not in refused.stderr
    assert campaigns_made(store) == 0


def test_strict_sends_a_digest_with_no_findings(seed_path: Path):
    article = publisher("import", str(seed_path)).stdout.strip()
    publisher("subscribers", "add", "a@example.com", "--list", "readers")

    sent = publisher("send", article, "--list", "readers", "--strict")

    assert sent.returncode == 0, sent.stderr
    assert "warning" not in sent.stderr
