"""The subscriber commands as an operator runs them: a real process, exit codes, what is stored."""

import csv
import io
import json
import mailbox
from pathlib import Path

from sqlalchemy import func, select

from publisher.store import Store
from publisher.store.models import BounceEvent, OutboxRow, Subscriber, Subscription, Suppression
from tests.publisher.test_cli import publisher
from tests.support.dsn import postfix_dsn
from tests.support.factories import sent_to


def count(store: Store, model: type) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_csv_with_bad_rows_reports_each_and_stores_nothing_unless_told(tmp_path: Path, store: Store):
    path = tmp_path / "people.csv"
    path.write_bytes(
        b"email,name,city\n"
        b"ana@example.com,Ana,Porto\n"
        b"not-an-address,Bad,Rome\n"
        b"short@example.com,Short\n"
        b"b\xf6b@example.com,Bob,Graz\n"
        b"ana@EXAMPLE.com,Ana again,Porto\n"
        b"cy@example.org,Cy,Oslo\n"
    )
    refused = publisher("subscribers", "import", str(path), "--list", "news")

    assert refused.returncode == 2
    assert f"{path}:line 3: 'not-an-address' is not a valid email address" in refused.stderr
    assert f"{path}:line 4: expected 3 columns, found 2" in refused.stderr
    assert f"{path}:line 5: not valid UTF-8 (byte 0xf6)" in refused.stderr
    assert "3 bad rows" in refused.stderr and "nothing imported" in refused.stderr
    assert count(store, Subscriber) == 0 and count(store, Subscription) == 0

    skipped = publisher("subscribers", "import", str(path), "--list", "news", "--skip-bad")
    assert skipped.returncode == 0, skipped.stderr
    assert "2 added to 'news'" in skipped.stdout and "3 skipped" in skipped.stdout  # Ana's domain case merged
    with store.session() as session:
        assert sorted(session.scalars(select(Subscriber.email))) == ["ana@example.com", "cy@example.org"]


def test_suppressed_addresses_are_not_reimported_without_the_flag(tmp_path: Path, store: Store):
    assert publisher("subscribers", "suppress", "gone@example.com", "--note", "asked by phone").returncode == 0
    path = tmp_path / "people.csv"
    path.write_text("email\ngone@example.com\nkept@example.com\n")

    plain = publisher("subscribers", "import", str(path), "--list", "news")
    assert plain.returncode == 0, plain.stderr
    assert "gone@example.com: on the suppression list, not added" in plain.stderr
    assert "1 added to 'news'" in plain.stdout
    assert count(store, Subscriber) == 1

    forced = publisher("subscribers", "import", str(path), "--list", "news", "--allow-suppressed")
    assert forced.returncode == 0 and "1 added to 'news'" in forced.stdout
    assert count(store, Suppression) == 0


def test_export_round_trips_through_import(tmp_path: Path):
    source = tmp_path / "in.csv"
    source.write_text("email,name,city\nana@example.com,Ana,Porto\ncy@example.org,Cy,Oslo\n")
    assert publisher("subscribers", "import", str(source), "--list", "news").returncode == 0
    publisher("subscribers", "unsubscribe", "cy@example.org", "--list", "news")

    exported = publisher("subscribers", "export", "--list", "news")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(r["email"], r["name"], r["status"], r["city"]) for r in rows] == [
        ("ana@example.com", "Ana", "active", "Porto"),
        ("cy@example.org", "Cy", "unsubscribed", "Oslo"),
    ]
    only_active = publisher(
        "subscribers", "export", "--list", "news", "--status", "active", "-o", str(tmp_path / "a.csv")
    )
    assert only_active.returncode == 0
    assert (tmp_path / "a.csv").read_text().count("\n") == 2


def test_export_quotes_cells_a_spreadsheet_would_run_as_formulas(tmp_path: Path):
    source = tmp_path / "in.csv"
    source.write_text('email,name,note\nana@example.com,"=HYPERLINK(""http://evil"")",@SUM(A1)\n')
    assert publisher("subscribers", "import", str(source), "--list", "news").returncode == 0
    exported = publisher("subscribers", "export", "--list", "news")
    [row] = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert row["name"] == "'=HYPERLINK(\"http://evil\")" and row["note"] == "'@SUM(A1)"


def test_bounces_command_reads_a_maildir(tmp_path: Path, store: Store):
    publisher("subscribers", "add", "gone@example.com", "--list", "news")
    box = mailbox.Maildir(str(tmp_path / "bounces"), create=True)
    sent = sent_to(store, "gone@example.com")
    box.add(postfix_dsn("gone@example.com", "5.1.1", "550 5.1.1 User unknown", original_message_id=sent))
    box.close()

    result = publisher("subscribers", "bounces", str(tmp_path / "bounces"))
    assert result.returncode == 0, result.stderr
    assert "1 suppressed" in result.stdout
    listed = json.loads(publisher("subscribers", "suppressions", "--format", "json").stdout)
    assert [(e["email"], e["reason"]) for e in listed] == [("gone@example.com", "hard_bounce")]

    missing = publisher("subscribers", "bounces", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such Maildir or mbox file" in missing.stderr


def test_privacy_export_then_erase_keeps_anonymous_counts(store: Store, settings, seed_path: Path):
    from publisher import campaigns
    from tests.support.factories import seed_article, subscribe

    article_id = seed_article(store, seed_path)
    people = subscribe(store, "news", 2)
    campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "news")
    with store.session() as session:
        session.add(BounceEvent(email=people[0], kind="soft", status="4.2.2", source="test"))

    shown = publisher("subscribers", "show", people[0])
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["subscriber"]["email"] == people[0] and data["subscriber"]["name"] == "Reader 0"
    assert [s["list"] for s in data["subscriptions"]] == ["news"]
    assert [d["campaign_id"] for d in data["deliveries"]] == [campaign_id]
    assert [b["status"] for b in data["bounces"]] == ["4.2.2"]

    erased = publisher("subscribers", "delete", people[0], "--yes")
    assert erased.returncode == 0, erased.stderr
    assert "1 subscriber" in erased.stdout and "1 deliveries_anonymized" in erased.stdout
    assert publisher("subscribers", "show", people[0]).returncode == 2
    assert campaigns.status(store, campaign_id).total == 2  # the counts survive
    assert count(store, BounceEvent) == 0
    with store.session() as session:
        assert sorted(session.scalars(select(Subscriber.email))) == [people[1]]
        recipients = sorted(session.scalars(select(OutboxRow.recipient_id)))
    assert recipients[0] < 0  # points at nobody


def test_erasure_can_keep_the_address_suppressed(store: Store):
    publisher("subscribers", "add", "ana@example.com", "--list", "news")
    erased = publisher("subscribers", "delete", "ana@example.com", "--yes", "--keep-suppression")
    assert erased.returncode == 0, erased.stderr

    readded = publisher("subscribers", "add", "ana@example.com", "--list", "news")
    assert "on the suppression list, not added" in readded.stderr
    assert count(store, Subscriber) == 0
    shown = json.loads(publisher("subscribers", "show", "ana@example.com").stdout)
    assert shown["subscriber"] is None and shown["suppression"]["reason"] == "manual"
