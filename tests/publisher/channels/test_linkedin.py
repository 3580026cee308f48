"""The LinkedIn channel against a fake Posts API that checks the bearer token, the version headers and the
payload, and answers duplicates, throttling and server errors as LinkedIn does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from publisher.accounts import parse_account
from publisher.channels import limits_for
from publisher.channels.base import PermanentError, TransientError
from publisher.channels.linkedin import LinkedInChannel
from publisher.channels.networks.linkedin import count, escape
from publisher.config import Settings
from publisher.errors import ConfigError
from tests.support.fakes import FakeLinkedIn, running
from tests.support.social import make_post

TOKEN = "AQV-linkedin-token-secret-0123"


@pytest.fixture
def fake() -> Iterator[FakeLinkedIn]:
    with running(FakeLinkedIn(TOKEN)) as server:
        yield server


def channel(
    fake: FakeLinkedIn, author: str = "urn:li:organization:2414183", token: str = TOKEN, **kw
) -> LinkedInChannel:
    account = parse_account("linkedin", f"linkedin+http://{token}@127.0.0.1:{fake.port}?author={author}")
    return LinkedInChannel(account, **kw)


def test_an_article_post_goes_to_the_organization_page_with_its_link(fake: FakeLinkedIn):
    result = channel(fake).send(make_post())

    [post] = fake.posts
    assert result.status == "sent" and result.provider_id == post["urn"]
    assert result.url == f"https://www.linkedin.com/feed/update/{post['urn']}/"
    assert post["author"] == "urn:li:organization:2414183"
    assert post["text"] == make_post().text  # what readers see: nothing cut
    assert post["article"] == {
        "source": "https://news.example.org/articles/a",
        "title": "A title",
        "description": "A summary.",
    }
    assert post["body"]["distribution"]["feedDistribution"] == "MAIN_FEED" and post["body"]["visibility"] == "PUBLIC"


def test_reserved_characters_are_escaped_so_linkedin_does_not_cut_the_post(fake: FakeLinkedIn):
    text = "Budget (draft) vs. [final] @ 5% *now* #news https://news.example.org/a_b?x=(1)"

    channel(fake).send(make_post(text))

    assert fake.posts[0]["text"] == text
    assert escape("a(b)") == "a\\(b\\)" and escape("#tag https://x.example/_(y)") == "#tag https://x.example/_(y)"


def test_a_member_posts_as_itself(fake: FakeLinkedIn):
    channel(fake, author="urn:li:person:abc123XYZ").send(make_post())

    assert fake.posts[0]["author"] == "urn:li:person:abc123XYZ"


def test_an_author_the_token_may_not_post_as_is_refused_for_good(fake: FakeLinkedIn):
    with pytest.raises(PermanentError, match=r"LinkedIn account 'linkedin' .*not allowed to post \(403\)"):
        channel(fake, author="urn:li:organization:999").send(make_post())


def test_a_bad_token_fails_permanently_without_showing_it(fake: FakeLinkedIn):
    with pytest.raises(PermanentError, match=r"access token refused \(401\): INVALID_ACCESS_TOKEN") as caught:
        channel(fake, token="revoked-token-0000").send(make_post())

    assert "revoked-token-0000" not in str(caught.value) and fake.posts == []


def test_throttling_and_server_errors_are_transient(fake: FakeLinkedIn):
    fake.script("rate_limit", "error")
    linkedin = channel(fake)

    with pytest.raises(TransientError, match=r"rate limited \(429\)"):
        linkedin.send(make_post())
    with pytest.raises(TransientError, match=r"server error \(500\)"):
        linkedin.send(make_post())
    assert linkedin.send(make_post()).status == "sent"


def test_a_retry_after_a_lost_answer_is_already_sent_not_a_second_post(fake: FakeLinkedIn):
    fake.slow_seconds = 1.5
    fake.script("slow")
    linkedin = channel(fake, timeout=0.5)

    with pytest.raises(TransientError, match="timed out"):
        linkedin.send(make_post())
    fake.wait_idle()
    retried = linkedin.send(make_post())

    assert retried.status == "already_sent" and retried.provider_id == fake.posts[0]["urn"]
    assert len(fake.posts) == 1


def test_verify_names_the_page_or_the_member_and_posts_nothing(fake: FakeLinkedIn):
    assert channel(fake).verify() == "The Test Desk (urn:li:organization:2414183)"
    assert channel(fake, author="urn:li:person:abc123XYZ").verify() == "Test Desk (urn:li:person:abc123XYZ)"
    with pytest.raises(PermanentError, match="belongs to another member"):
        channel(fake, author="urn:li:person:someoneElse").verify()
    assert fake.credential_checks == 3 and fake.posts == []


@pytest.mark.parametrize(
    "url",
    [
        "linkedin://token@api.linkedin.com",
        "linkedin://token@api.linkedin.com?author=urn:li:group:1",
        "linkedin://@api.linkedin.com?author=urn:li:person:a",
        "linkedin://t@h?author=urn:li:person:a&version=25",
    ],
)
def test_a_wrong_account_url_is_refused_naming_the_account(url: str):
    with pytest.raises(ConfigError, match="account 'linkedin'"):
        parse_account("linkedin", url)


def test_the_limit_is_3000_counted_on_the_escaped_text(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", '{"linkedin": "linkedin://t@api.linkedin.com?author=urn:li:person:a"}')

    assert limits_for("linkedin", Settings()).max_length == 3000
    assert count("(a)") == 5 and count("😀") == 2 and count("#tag") == 4
