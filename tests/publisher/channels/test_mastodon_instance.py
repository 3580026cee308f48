"""A Mastodon channel's limits are the instance's own (GET /api/v2/instance, configuration.statuses), asked
once per instance and kept; when the instance does not answer, the configured ones (or 500, URLs as 23)."""

from __future__ import annotations

import pytest

from publisher import textrules
from publisher.accounts import parse_account
from publisher.channels import mastodon as mastodon_channel
from publisher.channels.base import TextLimits
from publisher.channels.mastodon import MastodonChannel
from tests.support.social import MASTODON_TOKEN, make_post, mastodon_account

URL = "https://news.example.org/articles/a"


@pytest.fixture(autouse=True)
def _no_cached_instances(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mastodon_channel, "_instances", {})


def test_the_limits_are_the_instances_configuration(fake_mastodon):
    fake_mastodon.max_characters, fake_mastodon.characters_reserved_per_url = 1000, 30
    channel = MastodonChannel(mastodon_account(fake_mastodon))
    assert channel.limits == TextLimits(max_length=1000, url_length=30)


def test_the_instance_is_asked_once_for_every_channel_on_it(fake_mastodon):
    for _ in range(3):
        channel = MastodonChannel(mastodon_account(fake_mastodon))
        assert channel.limits.max_length == 500
        channel.close()
    assert fake_mastodon.instance_requests == 1
    assert fake_mastodon.credential_checks == 0 and fake_mastodon.posts == []  # asking posts nothing


def test_a_post_fitted_to_a_larger_instance_is_accepted_there(fake_mastodon):
    fake_mastodon.max_characters, fake_mastodon.characters_reserved_per_url = 1000, 40
    channel = MastodonChannel(mastodon_account(fake_mastodon))
    limits = channel.limits
    fitted = textrules.fit(
        "mastodon", "Title", "word " * 400, URL, limit=limits.max_length, url_length=limits.url_length
    )

    assert 900 < fitted.length <= 1000
    channel.send(make_post(fitted.text))
    assert fake_mastodon.rejections == [] and len(fake_mastodon.posts) == 1


def test_a_url_reserving_more_than_23_is_counted_so(fake_mastodon):
    fake_mastodon.characters_reserved_per_url = 60
    limits = MastodonChannel(mastodon_account(fake_mastodon)).limits
    fitted = textrules.fit("mastodon", "Title", "word " * 200, URL, limit=limits.max_length, url_length=60)

    assert fitted.length <= 500
    MastodonChannel(mastodon_account(fake_mastodon)).send(make_post(fitted.text))  # the fake counts URLs as 60
    assert len(fake_mastodon.posts) == 1


def test_an_instance_that_does_not_answer_leaves_the_configured_limits_and_is_not_asked_again(fake_mastodon):
    fake_mastodon.instance_down = True
    url = f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{fake_mastodon.port}?max_characters=700"
    configured = MastodonChannel(parse_account("mastodon", url))
    plain = MastodonChannel(mastodon_account(fake_mastodon))

    assert configured.limits == TextLimits(max_length=700, url_length=23)
    assert plain.limits == TextLimits(max_length=500, url_length=23)
    assert fake_mastodon.instance_requests == 1  # the failure is remembered for a while
