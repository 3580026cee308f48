"""An edited thread counted part by part, exactly as the share posts it (issue 14): the parts between the
editor's `---` lines, each counted as its network counts a post, numbered " k/n" when asked (the number is
counted too); an empty part and too many parts are refused naming the problem, and what is posted is what
was counted."""

from __future__ import annotations

import pytest

from publisher import importers, textrules
from publisher.channels.base import TextLimits
from publisher.errors import TextTooLong
from publisher.render.counted import Count, ThreadCount, count_thread
from publisher.render.share import PostShape, compose_post
from publisher.render.thread import MAX_PARTS, edited_parts

FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # one grapheme cluster, 18 UTF-8 bytes
MASTODON = TextLimits(500, 23)
BLUESKY = TextLimits(300, max_bytes=3000)
X = TextLimits(280, 23)


def test_each_part_between_split_lines_is_counted_on_its_own():
    counted = count_thread("mastodon:social", "The hook.\n---\n" + "b" * 512, MASTODON)

    assert isinstance(counted, ThreadCount)
    assert [(p.length, p.over) for p in counted.parts] == [(9, False), (512, True)]
    assert counted.over and counted.problem == "part 2 is 12 characters over mastodon's limit of 500"
    answer = counted.to_dict()
    assert [(p["index"], p["length"], p["over"]) for p in answer["parts"]] == [(1, 9, False), (2, 512, True)]
    assert (answer["over"], answer["problem"], answer["length"], answer["limit"]) == (
        True,
        "part 2 is 12 characters over mastodon's limit of 500",
        512,
        500,
    )


def test_a_numbered_part_is_counted_with_its_number():
    # 496 + " 1/2" is 500: within the limit; 497 + " 2/2" is 501: one over.
    counted = count_thread("mastodon:social", "a" * 496 + "\n---\n" + "b" * 497, MASTODON, numbered=True)

    assert isinstance(counted, ThreadCount)
    assert [p.length for p in counted.parts] == [500, 501]
    assert counted.problem == "part 2 is 1 character over mastodon's limit of 500"
    unnumbered = count_thread("mastodon:social", "a" * 496 + "\n---\n" + "b" * 497, MASTODON)
    assert not unnumbered.over


def test_on_bluesky_each_part_is_held_to_the_byte_limit_too():
    counted = count_thread("bluesky", f"Fine {FAMILY}\n---\n{FAMILY * 200}", BLUESKY)

    assert isinstance(counted, ThreadCount)
    assert [(p.length, p.size) for p in counted.parts] == [(6, 5 + 18), (200, 3600)]
    assert counted.problem == "part 2 is 600 bytes over bluesky's limit of 3,000 UTF-8 bytes"


def test_on_x_a_part_is_counted_as_twitter_text_counts_it():
    part = "日本語 https://news.example.org/a-long-slug-" + "x" * 40
    counted = count_thread("x", f"Hook.\n---\n{part}", X)

    assert isinstance(counted, ThreadCount)
    assert counted.parts[1].length == textrules.length(part, "x", url_length=23) == 6 + 1 + 23


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("One.\n---\n---\nThree.", "part 2 is empty"),
        ("One.\n---\n   \n---\nThree.", "part 2 is empty"),
        ("One.\n---", "part 2 is empty"),
        ("\n".join(["a"] * (MAX_PARTS + 1)).replace("\n", "\n---\n"), f"the thread has {MAX_PARTS + 1} parts"),
    ],
)
def test_an_empty_part_or_too_many_parts_is_refused_naming_it(text, problem):
    with pytest.raises(TextTooLong, match=problem):
        count_thread("mastodon:social", text, MASTODON)
    with pytest.raises(TextTooLong, match=problem):
        edited_parts(text)


def test_a_single_post_keeps_its_one_count_and_a_network_without_threads_counts_the_joined_text():
    single = count_thread("mastodon:social", "Just one post.", MASTODON)
    joined = count_thread("webhook:slack", "One.\n---\nTwo.", TextLimits())

    assert isinstance(single, Count) and single.length == 14
    assert isinstance(joined, Count) and joined.length == len("One.\n\nTwo.")


def test_a_thread_asked_of_a_text_without_split_lines_counts_the_parts_the_share_packs():
    text = " ".join(["word"] * 150)  # 749 characters: two parts on Mastodon
    counted = count_thread("mastodon:social", text, MASTODON, thread=True, numbered=True)

    assert isinstance(counted, ThreadCount) and len(counted.parts) == 2
    assert not counted.over and all(p.length <= 500 for p in counted.parts)


@pytest.mark.parametrize("numbered", [False, True])
def test_what_is_posted_is_exactly_the_parts_counted(seed_path, settings, numbered):
    article = importers.load(seed_path)
    text = f"The hook {FAMILY}.\n---\n  Second part, #News https://news.example.org/a  \n---\nThe end."
    shape = PostShape(thread=False, numbered=numbered, texts={"mastodon:social": text})

    post = compose_post(article, "mastodon:social", MASTODON, settings, shape=shape)
    counted = count_thread("mastodon:social", text, MASTODON, numbered=numbered)

    assert isinstance(counted, ThreadCount)
    posted = [part.text for part in post.parts]
    assert posted == edited_parts(text, numbered=numbered)
    assert [part.extra["length"] for part in post.parts] == [p.length for p in counted.parts]
    assert posted[1] == ("Second part, #News https://news.example.org/a" + (" 2/3" if numbered else ""))


def test_a_thread_with_a_part_over_is_refused_by_the_share_naming_the_part(seed_path, settings):
    article = importers.load(seed_path)
    shape = PostShape(texts={"mastodon:social": "Fine.\n---\n" + "b" * 512})

    with pytest.raises(TextTooLong, match="part 2 is 12 characters over mastodon's limit of 500"):
        compose_post(article, "mastodon:social", MASTODON, settings, shape=shape)
