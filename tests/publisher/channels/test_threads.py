"""The Threads channel against a fake Threads API that checks the access token and the two-step publish, and
answers errors as Graph API JSON."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from publisher.accounts import parse_account
from publisher.channels.base import PermanentError, TransientError
from publisher.channels.networks.threads import count
from publisher.channels.threads import ThreadsChannel
from publisher.errors import ConfigError
from tests.support.fakes import FakeThreads, running
from tests.support.social import make_post

TOKEN = "THAAthreads-token-secret-4567"


@pytest.fixture
def fake() -> Iterator[FakeThreads]:
    with running(FakeThreads(TOKEN)) as server:
        yield server


def channel(fake: FakeThreads, token: str = TOKEN, user: str = "", **kw) -> ThreadsChannel:
    return ThreadsChannel(parse_account("threads", f"threads+http://{token}@127.0.0.1:{fake.port}/{user}"), **kw)


def test_a_text_post_with_the_article_as_its_link_is_created_then_published(fake: FakeThreads):
    result = channel(fake).send(make_post())

    [post] = fake.posts
    assert result.status == "sent" and result.provider_id == post["id"] and result.url == post["permalink"]
    assert post["text"] == make_post().text and post["link_attachment"] == "https://news.example.org/articles/a"
    assert [c["published"] for c in fake.containers.values()] == [True]


def test_a_numeric_user_id_is_used_in_the_path(fake: FakeThreads):
    channel(fake, user=fake.user_id).send(make_post())

    assert len(fake.posts) == 1


def test_a_bad_token_is_graphs_code_190_read_as_refused_for_good(fake: FakeThreads):
    with pytest.raises(PermanentError, match=r"access token refused \(401\): Invalid OAuth .*\(code 190\)") as caught:
        channel(fake, token="expired-token-9999").send(make_post())

    assert "expired-token-9999" not in str(caught.value) and fake.posts == []


def test_graphs_rate_limit_and_server_errors_are_transient(fake: FakeThreads):
    fake.script("rate_limit", "error")
    threads = channel(fake)

    with pytest.raises(TransientError, match=r"rate limited \(429\)"):
        threads.send(make_post())
    with pytest.raises(TransientError, match=r"server error \(500\)"):
        threads.send(make_post())
    assert threads.send(make_post()).status == "sent" and len(fake.posts) == 1


def test_a_retry_after_a_lost_publish_answer_finds_the_post_instead_of_posting_again(fake: FakeThreads):
    fake.slow_seconds = 1.5
    fake.script("slow")
    threads = channel(fake, timeout=0.5)

    with pytest.raises(TransientError, match="timed out"):
        threads.send(make_post())
    fake.wait_idle()
    retried = threads.send(make_post())

    assert retried.status == "already_sent" and retried.provider_id == fake.posts[0]["id"]
    assert len(fake.posts) == 1 and fake.publish_attempts == 1


def test_text_over_the_limit_is_refused_for_good(fake: FakeThreads):
    with pytest.raises(PermanentError, match=r"post refused \(400\): Param text must be at most 500"):
        channel(fake).send(make_post("x" * 501))


def test_verify_names_the_account_and_posts_nothing(fake: FakeThreads):
    assert channel(fake).verify() == "@testdesk"
    with pytest.raises(PermanentError, match=r"access token refused \(401\)"):
        channel(fake, token="wrong-token-0000").verify()
    assert fake.credential_checks == 1 and fake.posts == []


def test_emoji_count_as_their_utf8_bytes_everything_else_as_one():
    assert count("abc") == 3 and count("é") == 1 and count("日本") == 2
    assert count("😀") == 4 and count("👍🏽") == 8 and count("🇩🇪") == 8


@pytest.mark.parametrize("url", ["threads://@graph.threads.net/me", "threads://t@graph.threads.net/not-a-number"])
def test_a_wrong_account_url_is_refused(url: str):
    with pytest.raises(ConfigError, match="account 'threads'"):
        parse_account("threads", url)
