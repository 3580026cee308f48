"""The X channel against a fake API that verifies OAuth 1.0a signatures."""

from __future__ import annotations

import pytest

from publisher.channels.base import PermanentError, TransientError
from publisher.channels.x import XChannel
from tests.support.social import X_KEYS, make_post, x_account


def test_a_post_is_signed_and_its_id_and_url_recorded(fake_x):
    channel = XChannel(x_account(fake_x))
    result = channel.send(make_post())
    channel.close()
    assert result.status == "sent"
    assert fake_x.posts == [{"id": result.provider_id, "text": make_post().text, "media": []}]
    assert result.url == f"https://x.com/i/web/status/{result.provider_id}"
    assert fake_x.rejections == []


def test_wrong_credentials_fail_permanently_naming_the_account(fake_x):
    keys = (X_KEYS[0], "wrong-consumer-secret", X_KEYS[2], X_KEYS[3])
    channel = XChannel(x_account(fake_x, name="x:work", keys=keys))
    with pytest.raises(PermanentError, match="X account 'x:work': credentials refused \\(401\\)") as caught:
        channel.send(make_post())
    assert "bad OAuth signature" in str(caught.value)
    assert "wrong-consumer-secret" not in str(caught.value)
    assert fake_x.posts == []


def test_a_duplicate_counts_as_already_posted(fake_x):
    channel = XChannel(x_account(fake_x))
    channel.send(make_post())
    again = channel.send(make_post())  # the same text: X answers 403 duplicate content
    assert again.status == "already_sent"
    assert len(fake_x.posts) == 1


def test_rate_limit_waits_until_the_reset(fake_x):
    fake_x.rate_limit_wait = 120
    fake_x.script("rate_limit")
    channel = XChannel(x_account(fake_x))
    with pytest.raises(TransientError, match="rate limited") as caught:
        channel.send(make_post())
    assert 100 < caught.value.retry_after <= 121
    assert channel.send(make_post()).status == "sent"


def test_server_errors_and_timeouts_are_transient(fake_x):
    fake_x.slow_seconds = 1.5
    fake_x.script("error", "slow")
    channel = XChannel(x_account(fake_x), timeout=0.5)
    with pytest.raises(TransientError, match="server error \\(500\\)"):
        channel.send(make_post())
    assert fake_x.posts == []
    with pytest.raises(TransientError, match="ReadTimeout"):
        channel.send(make_post())
    fake_x.wait_idle()
    # The slow answer was lost but the post went out; the retry is answered "duplicate": no second post.
    assert channel.send(make_post()).status == "already_sent"
    assert len(fake_x.posts) == 1


def test_other_forbidden_answers_fail_permanently(fake_x):
    fake_x.script("unauthorized")
    with pytest.raises(PermanentError, match="X account 'x'"):
        XChannel(x_account(fake_x)).send(make_post())


def test_an_image_is_uploaded_with_its_alt_text_and_named_in_the_post(fake_x):
    from dataclasses import replace

    from publisher.channels.base import Attachment
    from tests.support.covers import png

    channel = XChannel(x_account(fake_x))
    channel.send(replace(make_post(), media=(Attachment(png(64, 48), "image/jpeg", "mislabelled"),)))
    assert fake_x.posts[-1]["media"] == []  # X refused the upload (not a JPEG): the post went without it
    channel.send(replace(make_post("another text"), media=(Attachment(png(64, 48), "image/png", "A crane"),)))
    [media] = fake_x.posts[-1]["media"]
    assert (media["type"], media["alt"]) == ("image/png", "A crane")
    assert len(fake_x.rejections) == 1 and "not a image/jpeg" in fake_x.rejections[0]
