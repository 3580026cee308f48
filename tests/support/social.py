"""Credentials, accounts and posts for tests against the fake social networks."""

from __future__ import annotations

from publisher.accounts import parse_account
from publisher.channels.base import Post
from tests.support.fakes import FakeBluesky, FakeMastodon, FakeWebhook, FakeX

X_KEYS = ("ck-123", "cs-secret-456", "at-789", "as-secret-012")
MASTODON_TOKEN = "mastodon-token-secret"
BLUESKY = ("editor.example.org", "abcd-efgh-ijkl-mnop")
WEBHOOK_SECRET = "whsec_" + "c2VjcmV0LWtleS1mb3ItdGVzdHMtMTIzNDU2Nzg5MA=="


def make_post(text: str = "A title\n\nA summary.\n\nhttps://news.example.org/articles/a", **extra) -> Post:
    return Post(
        text=text,
        url="https://news.example.org/articles/a",
        title="A title",
        summary="A summary.",
        idempotency_key="k" * 32,
        extra=extra,
    )


def x_account(server: FakeX, name: str = "x", keys: tuple[str, ...] = X_KEYS):
    ck, cs, at, as_ = keys
    return parse_account(name, f"x://{ck}:{cs}@{at}:{as_}?api={server.base_url}")


def mastodon_account(server: FakeMastodon, token: str = MASTODON_TOKEN):
    return parse_account("mastodon", f"mastodon+http://{token}@127.0.0.1:{server.port}")


def bluesky_account(server: FakeBluesky, password: str = BLUESKY[1]):
    return parse_account("bluesky", f"bluesky+http://{BLUESKY[0]}:{password}@127.0.0.1:{server.port}")


def webhook_account(server: FakeWebhook, variant: str = "", secret: str = WEBHOOK_SECRET):
    scheme = f"webhook+{variant}+http" if variant else "webhook+http"
    return parse_account(
        f"webhook:{variant or 'std'}", f"{scheme}://127.0.0.1:{server.port}/hooks/T1/B2?secret={secret}"
    )
