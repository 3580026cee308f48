"""The webhook channel against a local receiver that verifies Standard Webhooks signatures."""

from __future__ import annotations

import httpx
import pytest

from publisher.channels.base import PermanentError, TransientError
from publisher.channels.webhook import WebhookChannel, sign
from tests.support.social import make_post, webhook_account


def test_a_signed_event_carries_title_summary_url_text_and_html(fake_webhook):
    channel = WebhookChannel(webhook_account(fake_webhook))
    result = channel.send(make_post(html="<h1>A title</h1>"))
    channel.close()
    [post] = fake_webhook.posts
    assert fake_webhook.rejections == []
    assert post["path"] == "/hooks/T1/B2"
    assert post["payload"]["type"] == "article.shared"
    assert post["payload"]["data"] == {
        "title": "A title",
        "summary": "A summary.",
        "url": "https://news.example.org/articles/a",
        "text": make_post().text,
        "html": "<h1>A title</h1>",
    }
    assert result.status == "sent" and result.provider_id == post["id"] == "msg_" + "k" * 32


@pytest.mark.parametrize(
    ("variant", "check"),
    [
        ("slack", lambda p: p["text"].startswith("A title") and p["blocks"][0]["type"] == "section"),
        ("discord", lambda p: p["embeds"][0]["url"] == "https://news.example.org/articles/a" and "content" in p),
    ],
)
def test_slack_and_discord_payloads(fake_webhook, variant, check):
    WebhookChannel(webhook_account(fake_webhook, variant)).send(make_post())
    assert check(fake_webhook.posts[0]["payload"])


def test_a_wrong_secret_is_refused_permanently(fake_webhook):
    wrong = "whsec_" + "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk="
    with pytest.raises(PermanentError, match="refused \\(401\\)") as caught:
        WebhookChannel(webhook_account(fake_webhook, secret=wrong)).send(make_post())
    assert "T1/B2" not in str(caught.value) and wrong not in str(caught.value)
    assert fake_webhook.posts == []


def test_429_waits_for_retry_after_and_5xx_and_timeouts_retry(fake_webhook):
    fake_webhook.rate_limit_wait = 30
    fake_webhook.slow_seconds = 1.5
    fake_webhook.script("rate_limit", "error", "slow")
    channel = WebhookChannel(webhook_account(fake_webhook), timeout=0.5)
    with pytest.raises(TransientError, match="rate limited") as caught:
        channel.send(make_post())
    assert caught.value.retry_after == 30
    with pytest.raises(TransientError, match="server error \\(500\\)"):
        channel.send(make_post())
    with pytest.raises(TransientError, match="timed out"):
        channel.send(make_post())


def test_the_http_client_is_injectable():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"url": "https://chat.example/m/1"})

    from publisher.accounts import parse_account

    account = parse_account("webhook", "webhook://hooks.example/in?secret=plain-secret")
    result = WebhookChannel(account, transport=httpx.MockTransport(handler)).send(make_post())
    assert result.url == "https://chat.example/m/1"
    [request] = seen
    expected = sign(
        "plain-secret", request.headers["webhook-id"], int(request.headers["webhook-timestamp"]), request.content
    )
    assert request.headers["webhook-signature"] == expected
