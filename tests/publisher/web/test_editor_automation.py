"""The editor's Automation page: one link in the nav for feeds, recurring digests, welcome mails and webhooks,
each with its count, what needs attention and what runs next."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from publisher.store import Store
from publisher.store.models import DigestSchedule, Feed, MailingList, SequenceStep, WebhookEndpoint


def test_the_nav_links_the_automation_page_and_it_links_each_part(editor: httpx.Client):
    assert 'href="/editor/automation"' in editor.get("/editor").text

    page = editor.get("/editor/automation")

    assert page.status_code == 200
    for href in ("/editor/feeds", "/editor/schedules", "/editor/sequences", "/editor/webhooks"):
        assert f'href="{href}"' in page.text
    assert "0 feed(s)" in page.text and "0 schedule(s)" in page.text and "0 endpoint(s)" in page.text


def test_each_part_shows_its_count_what_needs_attention_and_what_runs_next(editor: httpx.Client, store: Store):
    due = datetime(2031, 5, 2, 6, 0, tzinfo=UTC)
    with store.session() as session:
        news = MailingList(name="news")
        session.add(news)
        session.flush()
        session.add_all(
            [
                Feed(url="https://a.example/feed.xml", share_accounts=[], next_poll_at=due),
                Feed(url="https://b.example/feed.xml", share_accounts=[], last_error="answered 503", next_poll_at=due),
                DigestSchedule(list_id=news.id, spec="every friday 08:00", timezone="UTC", options={}, next_run_at=due),
                SequenceStep(list_id=news.id, position=0, delay_days=0, subject="Welcome", body="Hello"),
                WebhookEndpoint(url="https://hooks.example/in", sealed_secret="x", event_types=["*"]),
                WebhookEndpoint(
                    url="https://gone.example/in", sealed_secret="x", event_types=["*"], disabled_reason="answered 410"
                ),
            ]
        )

    page = editor.get("/editor/automation").text

    assert "2 feed(s)" in page and "1 with an error" in page and "next poll 2031-05-02 06:00 UTC" in page
    assert "1 schedule(s)" in page and "next run 2031-05-02 06:00 UTC" in page
    assert "1 mail(s) on 1 list(s)" in page
    assert "2 endpoint(s)" in page and "1 disabled" in page
