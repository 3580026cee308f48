"""The Mastodon channel against a fake instance that checks bearer tokens and idempotency keys."""

from __future__ import annotations

import pytest

from publisher.channels.base import PermanentError, TransientError
from publisher.channels.mastodon import MastodonChannel
from tests.support.social import make_post, mastodon_account


def test_a_status_is_posted_with_the_idempotency_key(fake_mastodon):
    channel = MastodonChannel(mastodon_account(fake_mastodon))
    result = channel.send(make_post())
    channel.close()
    assert result.status == "sent"
    [post] = fake_mastodon.posts
    assert post["text"] == make_post().text and post["idempotency_key"] == "k" * 32
    assert result.provider_id == post["id"]
    assert result.url == f"https://social.example/@editor/{post['id']}"


def test_a_retry_with_the_same_key_does_not_post_twice(fake_mastodon):
    channel = MastodonChannel(mastodon_account(fake_mastodon))
    first = channel.send(make_post())
    second = channel.send(make_post())
    assert second.provider_id == first.provider_id
    assert len(fake_mastodon.posts) == 1
    assert fake_mastodon.idempotency_keys == ["k" * 32, "k" * 32]


def test_a_bad_token_fails_permanently_naming_the_account(fake_mastodon):
    channel = MastodonChannel(mastodon_account(fake_mastodon, token="revoked-token"))
    with pytest.raises(PermanentError, match="Mastodon account 'mastodon' on 127.0.0.1:.*401") as caught:
        channel.send(make_post())
    assert "revoked-token" not in str(caught.value)
    assert fake_mastodon.posts == []


def test_rate_limit_waits_until_the_reset(fake_mastodon):
    fake_mastodon.rate_limit_wait = 120
    fake_mastodon.script("rate_limit")
    channel = MastodonChannel(mastodon_account(fake_mastodon))
    with pytest.raises(TransientError, match="rate limited") as caught:
        channel.send(make_post())
    assert 100 < caught.value.retry_after <= 122
    assert channel.send(make_post()).status == "sent"


def test_server_errors_and_timeouts_are_transient_and_the_key_prevents_a_double_post(fake_mastodon):
    fake_mastodon.slow_seconds = 1.5
    fake_mastodon.script("error", "slow")
    channel = MastodonChannel(mastodon_account(fake_mastodon), timeout=0.5)
    with pytest.raises(TransientError, match="server error \\(500\\)"):
        channel.send(make_post())
    with pytest.raises(TransientError, match="timed out"):
        channel.send(make_post())
    fake_mastodon.wait_idle()
    channel.send(make_post())  # the retry carries the same Idempotency-Key
    assert len(fake_mastodon.posts) == 1


def test_a_post_over_the_limit_is_refused_permanently(fake_mastodon):
    with pytest.raises(PermanentError, match="post refused \\(422\\)"):
        MastodonChannel(mastodon_account(fake_mastodon)).send(make_post("word " * 200))


def _with_image(alt: str = "A crane at dusk"):
    from dataclasses import replace

    from publisher.channels.base import Attachment
    from tests.support.covers import png

    return replace(make_post(), media=(Attachment(png(64, 48), "image/png", alt),))


def test_an_image_still_processing_is_awaited_then_attached(fake_mastodon):
    fake_mastodon.script_media("processing")  # 202, url null; GET /api/v1/media/:id answers 206 twice
    channel = MastodonChannel(mastodon_account(fake_mastodon))
    channel.send(_with_image())
    [post] = fake_mastodon.posts
    assert [m["description"] for m in post["media"]] == ["A crane at dusk"]


def test_an_image_upload_server_error_is_transient_and_posts_nothing(fake_mastodon):
    fake_mastodon.script_media("error")
    channel = MastodonChannel(mastodon_account(fake_mastodon))
    with pytest.raises(TransientError, match="server error \\(500\\)"):
        channel.send(_with_image())
    assert fake_mastodon.posts == []
