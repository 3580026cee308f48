"""Threads on X, Mastodon and Bluesky (their fakes): parts posted as a reply chain, resumed after a failure.

The channel never reads the database: a failed part raises an error carrying the parts posted before it
(`progress`), and the retry gets them back in `Post.progress`, continuing from the part that failed.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from publisher.channels.base import Attachment, Part, PartRef, PermanentError, Post, ThreadProgress, TransientError
from publisher.channels.bluesky import BlueskyChannel
from publisher.channels.mastodon import MastodonChannel
from publisher.channels.x import XChannel
from tests.support.covers import png
from tests.support.social import bluesky_account, make_post, mastodon_account, x_account

TEXTS = ["Part one of the story.", "Part two, the middle.", "Part three, the end."]


def thread(**extra: object) -> Post:
    return replace(make_post(TEXTS[0], **extra), replies=(Part(TEXTS[1]), Part(TEXTS[2])))


@pytest.fixture(params=["x", "mastodon", "bluesky"])
def network(request, fake_x, fake_mastodon, fake_bluesky):
    """(channel, its fake) for each network that takes threads."""
    if request.param == "x":
        return XChannel(x_account(fake_x)), fake_x
    if request.param == "mastodon":
        return MastodonChannel(mastodon_account(fake_mastodon)), fake_mastodon
    return BlueskyChannel(bluesky_account(fake_bluesky)), fake_bluesky


def parents(fake) -> list[str | None]:
    """Each accepted post's parent id, as the fake recorded it (None for a thread's first post)."""
    if hasattr(fake, "did"):  # Bluesky: the record's reply refs
        return [(p["record"].get("reply") or {}).get("parent", {}).get("uri") for p in fake.posts]
    return [p.get("in_reply_to") for p in fake.posts]


def ids(fake) -> list[str]:
    return [p.get("uri") or p["id"] for p in fake.posts]


def test_a_three_part_thread_is_a_reply_chain(network):
    channel, fake = network
    result = channel.send(thread())
    channel.close()
    assert [p["text"] for p in fake.posts] == TEXTS
    first, second, _ = ids(fake)
    assert parents(fake) == [None, first, second]
    assert result.status == "sent" and result.provider_id == first
    assert [ref.id for ref in result.progress.posted] == ids(fake)


def test_a_second_part_failing_with_a_500_resumes_posting_parts_two_and_three_once_and_one_once(network):
    channel, fake = network
    fake.fail_post(2)
    post = thread()
    with pytest.raises(TransientError, match=r"\(500\)") as caught:
        channel.send(post)
    assert [p["text"] for p in fake.posts] == TEXTS[:1]
    progress = caught.value.progress
    assert [ref.id for ref in progress.posted] == ids(fake)

    result = channel.send(replace(post, progress=progress))  # the retry, with what the worker recorded
    channel.close()
    assert [p["text"] for p in fake.posts] == TEXTS  # each part once
    first, second, _ = ids(fake)
    assert parents(fake) == [None, first, second]
    assert result.provider_id == first and len(result.progress.posted) == 3
    assert fake.post_attempts == 4  # part 1, part 2 (500), part 2, part 3


def test_a_thread_all_posted_posts_nothing_more(network):
    channel, fake = network
    done = channel.send(thread()).progress
    again = channel.send(replace(thread(), progress=done))
    channel.close()
    assert len(fake.posts) == 3 and again.provider_id == done.posted[0].id


def test_the_first_part_failing_carries_no_posted_parts(network):
    channel, fake = network
    fake.fail_post(1)
    with pytest.raises(TransientError) as caught:
        channel.send(thread())
    channel.close()
    assert fake.posts == []
    if isinstance(channel, BlueskyChannel):  # the record key it was sent under, to look up on the retry
        assert caught.value.progress.posted == () and caught.value.progress.pending
    else:
        assert caught.value.progress is None


@pytest.mark.parametrize("part", [1, 2])
def test_on_bluesky_a_part_whose_answer_was_lost_is_not_posted_twice(fake_bluesky, part):
    channel = BlueskyChannel(bluesky_account(fake_bluesky))
    fake_bluesky.script(*["ok"] * (part - 1), "lost")  # created, then answered 500
    post = thread()
    with pytest.raises(TransientError, match=r"\(500\)") as caught:
        channel.send(post)
    assert len(fake_bluesky.posts) == part
    result = channel.send(replace(post, progress=caught.value.progress))  # looks it up, then goes on
    channel.close()
    assert [p["text"] for p in fake_bluesky.posts] == TEXTS  # the lost part once
    first, second, _ = ids(fake_bluesky)
    assert parents(fake_bluesky) == [None, first, second] and result.provider_id == first
    assert "com.atproto.repo.getRecord" in fake_bluesky.calls


def test_on_bluesky_every_reply_names_the_root_and_its_parent_as_strong_refs(fake_bluesky):
    channel = BlueskyChannel(bluesky_account(fake_bluesky))
    channel.send(thread())
    channel.close()
    root, second, third = fake_bluesky.posts
    for reply, parent in ((second, root), (third, second)):
        refs = reply["record"]["reply"]
        assert (refs["root"]["uri"], refs["root"]["cid"]) == (root["uri"], root["cid"])
        assert (refs["parent"]["uri"], refs["parent"]["cid"]) == (parent["uri"], parent["cid"])
    assert "reply" not in root["record"]


def test_on_mastodon_each_part_has_its_own_idempotency_key(fake_mastodon):
    channel = MastodonChannel(mastodon_account(fake_mastodon))
    post = thread()
    fake_mastodon.fail_post(3)
    with pytest.raises(TransientError) as caught:
        channel.send(post)
    channel.send(replace(post, progress=caught.value.progress))
    channel.close()
    key = post.idempotency_key
    assert [p["idempotency_key"] for p in fake_mastodon.posts] == [key, f"{key}-2", f"{key}-3"]


def test_on_mastodon_a_part_whose_answer_was_lost_is_not_posted_twice(fake_mastodon):
    channel = MastodonChannel(mastodon_account(fake_mastodon))
    post = thread()
    first = channel.send(replace(post, replies=post.replies[:1]))  # parts 1 and 2 went out; say the answer was lost
    partial = ThreadProgress(first.progress.posted[:1])
    result = channel.send(replace(post, progress=partial))  # the retry posts part 2 again, with its key
    channel.close()
    assert [p["text"] for p in fake_mastodon.posts] == TEXTS  # part 2 once: the instance knew its key
    assert [ref.id for ref in result.progress.posted] == [p["id"] for p in fake_mastodon.posts]


def test_only_the_first_part_carries_the_image_and_the_card(fake_x, fake_bluesky):
    image = (Attachment(png(40, 30), "image/png", "A crane"),)
    x = XChannel(x_account(fake_x))
    x.send(replace(thread(), media=image))
    x.close()
    assert [len(p["media"]) for p in fake_x.posts] == [1, 0, 0]

    card = {"uri": "https://news.example.org/articles/a", "title": "A title", "description": ""}
    bluesky = BlueskyChannel(bluesky_account(fake_bluesky))
    bluesky.send(replace(thread(embed=card), media=image))
    bluesky.close()
    embeds = [p["record"].get("embed") for p in fake_bluesky.posts]
    assert embeds[0]["external"]["thumb"]["mimeType"] == "image/png" and embeds[1:] == [None, None]


def test_x_refuses_a_reply_to_a_post_it_does_not_hold(fake_x):
    channel = XChannel(x_account(fake_x))
    gone = ThreadProgress((PartRef(id="1234567890"),))
    with pytest.raises(PermanentError, match="deleted or not visible"):
        channel.send(replace(thread(), progress=gone))
    channel.close()
    assert fake_x.posts == []


def test_on_x_a_part_refused_as_a_duplicate_fails_the_thread_saying_why(fake_x):
    channel = XChannel(x_account(fake_x))
    fake_x.script("ok", "duplicate")  # part 2's answer was lost and it went again: X gives no id for it
    with pytest.raises(PermanentError, match="part 2 of the thread is already posted") as caught:
        channel.send(thread())
    channel.close()
    assert [ref.id for ref in caught.value.progress.posted] == [fake_x.posts[0]["id"]]
