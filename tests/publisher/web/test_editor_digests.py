"""The digest composer (issue 12): pick and order articles, preview, send a test, one confirmation for
Send and share."""

from __future__ import annotations

import email
import re
from email.policy import default
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from publisher import editors
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Campaign, CampaignArticle, CampaignList, OutboxRow
from tests.publisher.web.conftest import csrf_of
from tests.support.factories import RecordingDispatcher, seed_article, subscribe

TITLE = "U.S. Rejects Netanyahu’s Request to Join Direct Military Action Against Iran"


@pytest.fixture
def articles(store: Store, seed_path: Path, tmp_path: Path) -> list[int]:
    other = tmp_path / "library.md"
    other.write_text("# Library opens late\n\nThe library opens at ten from Monday, the council said.\n")
    return [seed_article(store, seed_path), seed_article(store, other)]


def composer_form(editor: httpx.Client, query: str = "") -> str:
    page = editor.get(f"/editor/digests/new{query}")
    assert page.status_code == 200
    return page.text


def post(editor: httpx.Client, data: dict[str, object]) -> httpx.Response:
    csrf = csrf_of(composer_form(editor))
    return editor.post("/editor/digests/new", data={"csrf_token": csrf, **data})


def submission_of(html: str) -> str:
    match = re.search(r'name="submission" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_the_composer_lists_articles_and_lists_with_numbered_order_fields(editor, articles, store: Store):
    subscribe(store, "readers", 1234)

    html = composer_form(editor)

    assert f'name="article" value="{articles[0]}"' in html and f'name="order-{articles[1]}"' in html
    assert "readers (1,234 active)" in html
    assert 'name="list" value="readers" checked' in html  # the only list is ticked
    assert "/static/composer.js" in html


def test_an_article_in_the_query_is_ticked_and_previewed(editor, articles, store: Store):
    html = composer_form(editor, f"?article={articles[1]}")

    assert f'name="article" value="{articles[1]}" checked' in html
    assert "Library opens late" in html and 'title="The digest as readers get it"' in html
    assert "In the inbox" in html


def test_order_fields_order_the_digest(editor, articles, store: Store, dispatcher: RecordingDispatcher):
    subscribe(store, "readers", 2)
    data = {"article": [str(a) for a in articles], f"order-{articles[0]}": "2", f"order-{articles[1]}": "1"}
    data |= {"list": "readers", "action": "review"}

    review = post(editor, data)
    assert review.status_code == 200, review.text
    assert review.text.index("Library opens late") < review.text.index("U.S. Rejects")

    sent = post(editor, {**data, "action": "send", "step": "confirm", "submission": submission_of(review.text)})
    assert sent.status_code == 303
    with store.session() as session:
        [campaign] = session.scalars(select(Campaign).where(Campaign.kind == "email")).all()
        order = session.scalars(
            select(CampaignArticle.article_id).where(CampaignArticle.campaign_id == campaign.id)
            .order_by(CampaignArticle.position)
        ).all()
    assert list(order) == [articles[1], articles[0]]
    assert campaign.subject.startswith("Library opens late")  # the default subject: the first title


def test_the_confirmation_sums_up_lists_once_per_address(editor, articles, store: Store):
    subscribe(store, "readers", 3)
    subscribe(store, "weekly", 2)  # the same first two addresses: 3 people in all

    review = post(editor, {"article": str(articles[0]), "list": ["readers", "weekly"], "action": "review"})

    assert review.status_code == 200
    assert re.search(r'id="audience">3</strong> addresses', review.text)
    assert "readers: 3 active" in review.text and "weekly: 2 active" in review.text
    assert 'name="channel" value="file" checked' in review.text  # no PUBLISHER_SHARE_ON_DIGEST: every account
    assert "Send and share" in review.text


def test_send_and_share_sends_once_to_each_address_and_shares_each_article(
    editor, articles, store: Store, settings: Settings, dispatcher: RecordingDispatcher
):
    subscribe(store, "readers", 3)
    subscribe(store, "weekly", 2)
    data = {"article": [str(a) for a in articles], "list": ["readers", "weekly"], "subject": "This week"}
    review = post(editor, {**data, "action": "review"})

    sent = post(editor, {**data, "action": "send", "step": "confirm", "channel": "file",
                         "submission": submission_of(review.text)})

    assert sent.status_code == 303
    with store.session() as session:
        [digest] = session.scalars(select(Campaign).where(Campaign.kind == "email")).all()
        shares = session.scalars(select(Campaign).where(Campaign.kind == "share")).all()
        rows = session.scalars(select(OutboxRow.recipient_id).where(OutboxRow.campaign_id == digest.id)).all()
        lists = session.scalars(select(CampaignList.list_id).where(CampaignList.campaign_id == digest.id)).all()
    assert sent.headers["location"] == f"/editor/campaigns/{digest.id}?done=sent"
    assert digest.subject == "This week" and len(rows) == len(set(rows)) == 3 and len(lists) == 2
    assert sorted(s.subject for s in shares) == sorted([TITLE, "Library opens late"])


def test_an_unticked_account_is_not_shared_to(editor, articles, store: Store, dispatcher: RecordingDispatcher):
    subscribe(store, "readers", 1)
    data = {"article": str(articles[0]), "list": "readers"}
    review = post(editor, {**data, "action": "review"})

    post(editor, {**data, "action": "send", "step": "confirm", "submission": submission_of(review.text)})

    with store.session() as session:
        assert session.scalars(select(Campaign).where(Campaign.kind == "share")).all() == []


def test_nothing_ticked_is_said_in_words(editor, articles, store: Store):
    subscribe(store, "readers", 1)

    no_article = post(editor, {"list": "readers", "action": "review"})
    no_list = post(editor, {"article": str(articles[0]), "action": "review"})

    assert no_article.status_code == 422 and "Tick at least one article" in no_article.text
    assert no_list.status_code == 422 and "Tick at least one list" in no_list.text


def test_a_failed_send_is_said_in_words_without_ids(editor, articles, store: Store, dispatcher):
    with store.session() as session:
        from publisher.subscribers import ensure_list

        ensure_list(session, "empty")
    data = {"article": str(articles[0]), "list": "empty"}
    review = post(editor, {**data, "action": "review"})

    sent = post(editor, {**data, "action": "send", "step": "confirm", "submission": submission_of(review.text)})

    assert sent.status_code == 422
    assert "list &#39;empty&#39; has no active subscribers" in sent.text
    assert "Traceback" not in sent.text and "/work/" not in sent.text


def test_a_test_send_goes_to_the_editor_and_keeps_the_address(
    editor, articles, store: Store, settings: Settings, dispatcher: RecordingDispatcher
):
    subscribe(store, "readers", 2)

    answer = post(editor, {"article": str(articles[0]), "list": "readers", "action": "test",
                           "test_to": "me@example.org"})

    assert answer.status_code == 200
    assert "A test went to me@example.org" in answer.text
    [user] = editors.list_users(store)
    assert editors.email_of(store, user.id) == "me@example.org"
    maildir = settings.outbox_dir / "maildir" / "new"
    [mail] = list(maildir.iterdir())  # the file channel: no SMTP host in the test settings
    message = email.message_from_bytes(mail.read_bytes(), policy=default)
    assert message["Subject"] == f"[Test] {TITLE}" and message["X-Publisher-Test"] == "yes"
    with store.session() as session:
        assert session.scalars(select(Campaign)).all() == [] and dispatcher.calls == []
    assert 'value="me@example.org"' in composer_form(editor)  # kept for next time


def test_a_test_without_an_address_asks_for_one(editor, articles):
    answer = post(editor, {"article": str(articles[0]), "action": "test"})

    assert answer.status_code == 422 and "Give your email address for the test." in answer.text


def test_the_confirmation_shows_the_accessibility_check(editor, articles, store: Store):
    subscribe(store, "readers", 1)

    review = post(editor, {"article": str(articles[0]), "list": "readers", "action": "review"})

    assert review.status_code == 200
    assert 'id="a11y-findings"' in review.text  # the check ran: its findings, or "nothing found"
    assert "Accessibility check" in review.text
