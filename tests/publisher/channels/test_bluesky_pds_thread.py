"""Threads on a real PDS (@atproto/pds): reply refs read back, and a thread resumed after a failed part.

A real PDS cannot be told to answer 500, so the resume tests fail the second createRecord in the channel's
own HTTP client: an httpx transport (`FailingCreateRecord`) handed to atproto's Request answers that one
request with the 500 a PDS gives ({"error": "InternalServerError"}) without sending it (or, for a lost
answer, after the PDS created the record), and passes every other request to the PDS. (A proxy in front
of the PDS would not see the posts: after createSession the SDK talks to the PDS endpoint the account's
DID document names.)
"""

from __future__ import annotations

import json
import secrets
from dataclasses import replace

import httpx
import pytest
from atproto_client.request import Request
from sqlalchemy import select

from publisher import campaigns, delivery
from publisher.accounts import parse_account
from publisher.channels import bluesky as bluesky_module
from publisher.channels.base import Part, TransientError
from publisher.channels.bluesky import BlueskyChannel
from publisher.channels.network import Draft
from publisher.channels.networks.bluesky import compose
from publisher.config import Settings
from publisher.render.share import PostShape
from publisher.store.models import OutboxRow, utcnow
from tests.support.factories import seed_article
from tests.support.pds import INSTALL_TIMEOUT, ON_THE_PDS_WORKER, Pds, shared_pds
from tests.support.social import make_post

URL = "https://news.example.org/articles/a"
TEXTS = [f"Part one 🌉 #Harbour\n\n{URL}", "Part two: 港口大桥 reopens.", "Part three — مرحبا, the end."]

pytestmark = [pytest.mark.timeout(INSTALL_TIMEOUT), ON_THE_PDS_WORKER]  # the first test may install the PDS from npm


class FailingCreateRecord(httpx.BaseTransport):
    """Passes requests to the PDS, but answers the nth createRecord itself with a PDS's 500; with `lose`,
    it sends that one on to the PDS first (the record is created) and the client sees the 500 instead."""

    def __init__(self, n: int, *, lose: bool = False) -> None:
        self.inner = httpx.HTTPTransport()
        self.n = n
        self.lose = lose
        self.creates = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/com.atproto.repo.createRecord"):
            self.creates += 1
            if self.creates == self.n:
                if self.lose:
                    self.inner.handle_request(request).read()
                body = {"error": "InternalServerError", "message": "Internal Server Error"}
                return httpx.Response(500, json=body, request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def pds() -> Pds:
    """The run's PDS; skips (fails under CI=true) with the reason when node, npm or the package is missing."""
    return shared_pds()


@pytest.fixture
def account(pds: Pds) -> dict[str, str]:
    handle = f"thread-{secrets.token_hex(3)}.test"
    session = pds.create_account(handle, secrets.token_urlsafe(12))
    return {"handle": handle, "did": session["did"], "app_password": pds.app_password(session["accessJwt"])}


def account_url(pds: Pds, account: dict[str, str]) -> str:
    return f"bluesky+http://{account['handle']}:{account['app_password']}@127.0.0.1:{pds.port}"


def channel_for(pds: Pds, account: dict[str, str], request: Request | None = None) -> BlueskyChannel:
    return BlueskyChannel(parse_account("bluesky", account_url(pds, account)), request=request)


def thread():
    """A three-part thread composed as render.share composes one (facets per part, the card on the first)."""
    extras = [compose(Draft(text, URL, "A title", "A summary.", html=lambda: "", lang="en")) for text in TEXTS]
    for later in extras[1:]:
        later.pop("embed")
    first = make_post(TEXTS[0], **extras[0])
    return replace(first, replies=tuple(Part(t, e) for t, e in zip(TEXTS[1:], extras[1:], strict=True)))


def assert_chain(pds: Pds, did: str) -> list[dict]:
    """The account's records form one thread, in order, each reply naming the root and its parent."""
    records = sorted(pds.records(did), key=lambda r: r["value"]["createdAt"])
    assert [r["value"]["text"] for r in records] == TEXTS  # each part once
    root, second, third = records
    assert "reply" not in root["value"] and root["value"]["embed"]["external"]["uri"] == URL
    for record, parent in ((second, root), (third, second)):
        reply = record["value"]["reply"]
        assert (reply["root"]["uri"], reply["root"]["cid"]) == (root["uri"], root["cid"])
        assert (reply["parent"]["uri"], reply["parent"]["cid"]) == (parent["uri"], parent["cid"])
        assert "embed" not in record["value"]
    return records


def test_a_three_part_thread_has_the_right_root_and_parent_refs(pds, account):
    channel = channel_for(pds, account)
    result = channel.send(thread())
    channel.close()
    records = assert_chain(pds, account["did"])
    assert [(ref.id, ref.cid) for ref in result.progress.posted] == [(r["uri"], r["cid"]) for r in records]
    assert result.provider_id == records[0]["uri"]
    tags = [f for f in records[0]["value"]["facets"] if f["features"][0]["$type"].endswith("#tag")]
    assert [f["features"][0]["tag"] for f in tags] == ["Harbour"]


def test_a_second_part_failing_with_a_500_resumes_on_the_pds(pds, account):
    failing = FailingCreateRecord(2)
    channel = channel_for(pds, account, Request(timeout=20, transport=failing))
    post = thread()
    with pytest.raises(TransientError, match=r"\(500\)") as caught:
        channel.send(post)
    channel.close()
    assert [r["value"]["text"] for r in pds.records(account["did"])] == TEXTS[:1]

    retry = channel_for(pds, account)  # a later batch: a new channel, given what the worker recorded
    retry.send(replace(post, progress=caught.value.progress))
    retry.close()
    assert_chain(pds, account["did"])


def test_a_second_part_whose_answer_was_lost_is_found_on_the_pds_not_posted_again(pds, account):
    channel = channel_for(pds, account, Request(timeout=20, transport=FailingCreateRecord(2, lose=True)))
    post = thread()
    with pytest.raises(TransientError, match=r"\(500\)") as caught:
        channel.send(post)
    channel.close()
    assert len(pds.records(account["did"])) == 2  # part two was created; its answer was lost

    retry = channel_for(pds, account)
    retry.send(replace(post, progress=caught.value.progress))  # getRecord finds part two under its key
    retry.close()
    assert_chain(pds, account["did"])


def test_through_delivery_the_resumed_thread_posts_each_part_once(pds, account, monkeypatch, store, seed_path):
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps({"bluesky": account_url(pds, account)}))
    monkeypatch.setenv("PUBLISHER_RETRY_BASE_SECONDS", "0.5")
    settings = Settings()
    failing = FailingCreateRecord(2)
    monkeypatch.setattr(bluesky_module, "Request", lambda **kw: Request(**kw, transport=failing))
    shape = PostShape(texts={"bluesky": "\n---\n".join(TEXTS)})
    article_id = seed_article(store, seed_path)
    campaign_id = campaigns.create_share_campaign(store, settings, article_id, ["bluesky"], shape=shape)
    with store.session() as session:
        row_id = session.scalars(select(OutboxRow.id).where(OutboxRow.campaign_id == campaign_id)).one()

    assert delivery.deliver_batch(store, settings, campaign_id, "bluesky", row_id, row_id).deferred == 1
    with store.session() as session:
        row = session.get(OutboxRow, row_id)
        assert row.state == "queued" and len(row.payload["progress"]["posted"]) == 1
        row.next_attempt_at = utcnow()
    assert delivery.deliver_batch(store, settings, campaign_id, "bluesky", row_id, row_id).sent == 1

    records = sorted(pds.records(account["did"]), key=lambda r: r["value"]["createdAt"])
    assert [r["value"]["text"] for r in records] == TEXTS
    root, second, third = records
    assert second["value"]["reply"]["parent"]["uri"] == root["uri"]
    assert third["value"]["reply"]["parent"]["uri"] == second["uri"]
    assert third["value"]["reply"]["root"]["cid"] == root["cid"]
    with store.session() as session:
        assert session.get(OutboxRow, row_id).provider_id == root["uri"]
    assert failing.creates == 4  # part 1, part 2 (500), part 2, part 3
