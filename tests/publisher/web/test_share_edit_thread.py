"""Editing a thread on the Share page (issue 14): the count endpoint answers a text with `---` lines part by
part (each part's count with its index, "over" when any part is, the first over-limit part named), numbered
parts counted with their " k/n"; a single post keeps its one count; an empty part is refused naming it; the
form refuses a thread with a part over and stores an edited thread's parts on the outbox row as written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import OutboxRow
from tests.support.factories import RecordingDispatcher, seed_article
from tests.support.fakes import FakeMastodon, running
from tests.support.social import MASTODON_TOKEN

from .conftest import csrf_of

MASTODON = "mastodon:social"
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # one grapheme cluster, 18 UTF-8 bytes


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    with running(FakeMastodon(MASTODON_TOKEN)) as mastodon:
        accounts = {
            MASTODON: f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{mastodon.port}",
            "bluesky": "bluesky+http://me.example:pw-secret@127.0.0.1:9",  # never contacted: counting is local
            "webhook:slack": "webhook+slack+http://127.0.0.1:9/services/T1/B2",
        }
        monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(accounts))
        yield Settings()


def _count(editor: httpx.Client, channel: str, text: str, **asked: str) -> httpx.Response:
    token = csrf_of(editor.get("/editor/articles").text)
    return editor.post("/editor/share/count", data={"csrf_token": token, "channel": channel, "text": text, **asked})


def test_a_text_with_split_lines_is_counted_part_by_part(editor: httpx.Client):
    answer = _count(editor, MASTODON, "The hook.\r\n---\r\n" + "b" * 512)

    assert answer.status_code == 200, answer.text
    counted = answer.json()
    assert [(p["index"], p["length"], p["limit"], p["over"]) for p in counted["parts"]] == [
        (1, 9, 500, False),
        (2, 512, 500, True),
    ]
    assert counted["parts"][1]["problem"] == "12 characters over mastodon's limit of 500"
    assert counted["over"] is True
    assert counted["problem"] == "part 2 is 12 characters over mastodon's limit of 500"
    assert (counted["channel"], counted["network"], counted["length"]) == (MASTODON, "mastodon", 512)


def test_numbered_parts_are_counted_with_their_numbers_and_bluesky_in_bytes(editor: httpx.Client):
    numbered = _count(editor, MASTODON, "a" * 496 + "\n---\n" + "b" * 496, numbered="yes").json()
    bluesky = _count(editor, "bluesky", f"Fine.\n---\n{FAMILY * 200}").json()

    assert [p["length"] for p in numbered["parts"]] == [500, 500] and numbered["over"] is False
    assert [p["bytes"] for p in bluesky["parts"]] == [5, 3600]
    assert bluesky["problem"] == "part 2 is 600 bytes over bluesky's limit of 3,000 UTF-8 bytes"


def test_a_single_post_keeps_its_answer_and_a_webhook_counts_the_joined_text(editor: httpx.Client):
    single = _count(editor, MASTODON, "Just one post.").json()
    joined = _count(editor, "webhook:slack", "One.\n---\nTwo.").json()

    assert "parts" not in single and (single["length"], single["over"], single["problem"]) == (14, False, None)
    assert "parts" not in joined and joined["length"] == len("One.\n\nTwo.")


def test_an_empty_part_is_refused_naming_it(editor: httpx.Client):
    answer = _count(editor, MASTODON, "One.\n---\n\n---\nThree.")

    assert answer.status_code == 422
    assert answer.json()["problem"].startswith("part 2 is empty")


def test_the_form_refuses_a_thread_with_a_part_over_and_stores_one_within_as_written(
    editor: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    page = f"/editor/articles/{article_id}/share"
    form = editor.get(page).text
    assert "A line of only <code>---</code> ends a part" in form  # the hint under a thread-taking network's post

    over = {"channel": MASTODON, f"text:{MASTODON}": "Fine.\n---\n" + "b" * 512}
    refused = editor.post(page, data={"csrf_token": csrf_of(form), **over})
    assert refused.status_code == 422
    assert "cannot go out: part 2 is 12 characters over mastodon&#39;s limit of 500" in refused.text
    assert '<span class="part over">Part 2: 512 / 500 characters' in refused.text

    thread = {"channel": MASTODON, f"text:{MASTODON}": "First part.\r\n---\r\nSecond part.", "confirm": "yes"}
    done = editor.post(page, data={"csrf_token": csrf_of(form), **thread})
    assert done.status_code == 303, done.text
    with store.session() as session:
        payload = session.scalars(select(OutboxRow.payload).where(OutboxRow.channel == MASTODON)).one()
    assert payload["text"] == "First part."
    assert [r["text"] for r in payload["replies"]] == ["Second part."]
    assert len(dispatcher.calls) == 1
