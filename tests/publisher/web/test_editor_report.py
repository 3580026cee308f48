"""The report page over HTTP: a share's posts with their counts (or the network's error), tracking off said in
words, an unknown campaign 404, the campaign page's link to it, and text from the data escaped."""

import lxml.html

from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow, PostMetric, utcnow
from tests.support.factories import subscribe
from tests.support.tracking import tracked_campaign


def texts(html: str, selector: str) -> list[str]:
    return [" ".join(" ".join(e.itertext()).split()) for e in lxml.html.fromstring(html).cssselect(selector)]


def _share(store: Store) -> int:
    with store.session() as session:
        campaign = Campaign(kind="share", state="done", subject="The <b>bridge</b>")
        session.add(campaign)
        session.flush()
        posted = {
            "mastodon": ("1101", "https://social.example/@editor/1101"),
            "bluesky": ("at://did:plc:x/p/1", "https://bsky.app/profile/desk.test/post/1"),
        }
        told, sky = (
            OutboxRow(campaign_id=campaign.id, recipient_id=0, channel=name, state="sent", provider_id=pid, url=url)
            for name, (pid, url) in posted.items()
        )
        session.add_all([told, sky])
        session.flush()
        session.add(
            PostMetric(
                outbox_id=told.id, campaign_id=told.campaign_id, likes=12, reposts=3, replies=2, read_at=utcnow()
            )
        )
        error = (
            "Bluesky account 'bluesky': refused (400 InvalidRequest: No service configured for app.bsky.feed.getPosts)"
        )
        session.add(PostMetric(outbox_id=sky.id, campaign_id=sky.campaign_id, read_at=utcnow(), error=error))
        return campaign.id


def test_a_shares_report_lists_each_post_with_its_counts_or_the_networks_error(editor, store):
    campaign = _share(store)

    page = editor.get(f"/editor/campaigns/{campaign}/report")

    assert page.status_code == 200
    assert "The &lt;b&gt;bridge&lt;/b&gt;" in page.text
    rows = texts(page.text, "#table-posts tbody tr")
    assert rows[0].startswith("bluesky sent https://bsky.app/profile/desk.test/post/1")
    assert "No service configured for app.bsky.feed.getPosts" in rows[0]
    assert rows[1].startswith("mastodon sent https://social.example/@editor/1101 12 3 2 read ")
    assert not texts(page.text, "#readers"), "a share has no opens or clicks section"


def test_tracking_off_is_said_and_the_campaign_page_links_to_the_report(editor, store):
    campaign = tracked_campaign(store, subscribe(store, "readers", 2), mode="off", links=[], honeypot=False)

    page = editor.get(f"/editor/campaigns/{campaign}/report")
    assert page.status_code == 200
    assert texts(page.text, "#mode") == ["off"]
    assert "tracking off" in texts(page.text, "#tracking-off")[0]
    assert texts(page.text, "#delivered") == ["2"]
    campaign_page = editor.get(f"/editor/campaigns/{campaign}")
    assert f'href="/editor/campaigns/{campaign}/report"' in campaign_page.text


def test_an_unknown_campaign_is_404_and_the_page_needs_a_login(editor, http):
    assert editor.get("/editor/campaigns/999/report").status_code == 404
    assert http.get("/editor/campaigns/1/report").status_code in (303, 401)
