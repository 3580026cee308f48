"""The editor's Bounces page and the campaign page's Bounces line, over HTTP against the real app."""

from datetime import UTC, datetime, timedelta

import httpx
import lxml.html
import pytest
from sqlalchemy import select

from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Campaign
from tests.publisher.web.conftest import csrf_of
from tests.support.bounce_seed import BLOCKED, MAILBOX_FULL, SPAM, USER_UNKNOWN, bounce, campaign_to
from tests.support.factories import subscribe


def texts(html: str, selector: str) -> list[str]:
    """The text of every element the CSS selector finds, its pieces joined by a space, whitespace collapsed."""
    return [" ".join(" ".join(e.itertext()).split()) for e in lxml.html.fromstring(html).cssselect(selector)]


@pytest.fixture
def bounced(store: Store, settings: Settings) -> dict[str, int]:
    """A campaign paused by 5 blocked bounces at gmail.test (of 100 sent), one near the alarm, an old one."""
    com = subscribe(store, "readers", 20, domain="example.com")
    gmail = subscribe(store, "gmail", 80, domain="gmail.test")
    old = campaign_to(store, com, subject="October")
    bounce(store, settings, old, com[0], USER_UNKNOWN, date=datetime.now(UTC) - timedelta(days=30))
    near = campaign_to(store, com + gmail, subject="Near <i>it</i>")
    for email in gmail[10:13]:
        bounce(store, settings, near, email, SPAM)
    paused = campaign_to(store, com + gmail, subject="November", state="sending")
    for email in gmail[:5]:
        bounce(store, settings, paused, email, BLOCKED)
    bounce(store, settings, paused, com[1], MAILBOX_FULL)
    bounce(store, settings, paused, com[2], USER_UNKNOWN)
    return {"old": old, "near": near, "paused": paused}


def test_alarms_come_first_with_the_paused_campaign_and_its_resume_button(editor: httpx.Client, bounced):
    html = editor.get("/editor/bounces").text

    [paused, near] = texts(html, "#alarms .alarm")
    assert paused.startswith(f"Paused: #{bounced['paused']} November · 5 sender-side bounces; 5 pause it")
    assert "5 of 100 messages came back for the sender's problem, most of them sender blocked at gmail.test" in paused
    assert "Nobody was suppressed for these" in paused and f"Resume #{bounced['paused']}" in paused
    assert near.startswith(f"Near the threshold: #{bounced['near']} Near <i>it</i> · 3 sender-side bounces")
    doc = lxml.html.fromstring(html)
    assert doc.cssselect("#alarms .alarm a")[0].get("href") == f"/editor/campaigns/{bounced['paused']}"
    assert doc.cssselect("#alarms form")[0].get("action") == f"/editor/campaigns/{bounced['paused']}/resume"
    assert len(doc.cssselect("#alarms form")) == 1, "only a paused campaign has a Resume button"
    assert html.index('id="alarms"') < html.index('id="per-campaign"')


def test_tables_per_campaign_per_domain_and_by_reason_spell_out_what_each_reason_does(editor: httpx.Client, bounced):
    html = editor.get("/editor/bounces").text

    rows = texts(html, "#per-campaign tbody tr")
    assert [r.split(" ")[0] for r in rows] == [f"#{bounced['paused']}", f"#{bounced['near']}", f"#{bounced['old']}"]
    assert "5 sender blocked (sender's problem)" in rows[0] and "1 user unknown (suppressed)" in rows[0]
    assert "1 mailbox full (counted)" in rows[0]
    cells = texts(html, f"#per-campaign tr[data-campaign='{bounced['paused']}'] td")
    assert cells[1:7] == ["7", "100", "1", "1", "5", "0"]  # bounces, sent, suppressed, counted, sender's, complaints
    domains = texts(html, "#per-domain tbody tr")
    assert domains[0].startswith("gmail.test 550 5.7.1 Service unavailable; client host [192.0.2.10] blocked using")
    assert "5 sender blocked (sender's problem) 3 spam detected (sender's problem)" in domains[0]
    assert texts(html, "#per-reason tr[data-reason='blocked'] td") == ["sender blocked", "5", "sender's problem"]
    assert texts(html, "#per-reason tr[data-reason='userunknown'] td") == ["user unknown", "2", "suppressed"]
    assert texts(html, "#totals dd") == ["2", "1", "8", "0"]
    assert "<i>it</i>" not in html, "a subject reaches the page escaped"


def test_since_and_campaign_narrow_the_page(editor: httpx.Client, bounced):
    recent = editor.get("/editor/bounces", params={"since": "7d"}).text
    one = editor.get("/editor/bounces", params={"campaign": bounced["old"]}).text

    assert f"#{bounced['old']}" not in " ".join(texts(recent, "#per-campaign tbody tr"))
    assert lxml.html.fromstring(recent).cssselect("#since option[selected]")[0].get("value") == "7d"
    assert [r.split(" ")[0] for r in texts(one, "#per-campaign tbody tr")] == [f"#{bounced['old']}"]
    assert texts(one, "#no-alarms") and f"Campaign #{bounced['old']} only" in one


def test_a_bad_since_is_named_and_the_whole_report_shown(editor: httpx.Client, bounced):
    answer = editor.get("/editor/bounces", params={"since": "last week"})

    assert answer.status_code == 400
    assert texts(answer.text, "[role=alert]") == [
        "Since 'last week': give a span like 7d, 12h or 2w, or a date like 2026-11-01"
    ]
    assert len(texts(answer.text, "#per-campaign tbody tr")) == 3


@pytest.mark.parametrize("campaign", ["0", "x", "99999999999"])
def test_a_bad_campaign_id_is_not_found(editor: httpx.Client, campaign: str):
    assert editor.get("/editor/bounces", params={"campaign": campaign}).status_code == 404


def test_resume_from_the_bounces_page_resumes_the_campaign(editor: httpx.Client, bounced, dispatcher, store: Store):
    html = editor.get("/editor/bounces").text

    answer = editor.post(f"/editor/campaigns/{bounced['paused']}/resume", data={"csrf_token": csrf_of(html)})

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/editor/campaigns/{bounced['paused']}?done=resume"
    with store.session() as session:
        assert session.scalar(select(Campaign.state).where(Campaign.id == bounced["paused"])) != "paused"


def test_the_page_refreshes_itself_only_while_a_campaign_sends(editor: httpx.Client, store: Store, bounced):
    assert not texts(editor.get("/editor/bounces").text, "[data-refresh]"), "the only active campaign is paused"
    with store.session() as session:
        session.get(Campaign, bounced["near"]).state = "sending"

    html = editor.get("/editor/bounces").text

    [marker] = lxml.html.fromstring(html).cssselect("[data-refresh]")
    assert marker.get("data-refresh") == "15"
    assert '<script src="/static/bounces.js" defer></script>' in html
    assert "window.location.reload" in editor.get("/static/bounces.js").text


def test_the_campaign_page_has_a_bounces_line_by_effect(editor: httpx.Client, bounced):
    html = editor.get(f"/editor/campaigns/{bounced['paused']}").text
    quiet = editor.get(f"/editor/campaigns/{bounced['old']}").text

    assert texts(html, "#bounces") == ["Bounces: 1 suppressed · 1 counted · 5 sender's problem · by reason and domain"]
    link = lxml.html.fromstring(html).cssselect("#bounces a")[0].get("href")
    assert link == f"/editor/bounces?campaign={bounced['paused']}"
    assert texts(quiet, "#bounces") == ["Bounces: 1 suppressed · by reason and domain"]


def test_the_editor_nav_links_the_bounces_page(editor: httpx.Client):
    html = editor.get("/editor").text

    assert "Bounces" in texts(html, "nav.editor-nav a")
    assert texts(editor.get("/editor/bounces").text, "#no-alarms")


def test_the_page_needs_a_logged_in_editor(http: httpx.Client):
    answer = http.get("/editor/bounces")

    assert answer.status_code in (303, 401) and "Sender-side alarms" not in answer.text
