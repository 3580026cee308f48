"""A test send ("Send a test to me"): the digest as it will go out, to one address, marked as a test.

It is sent at once through the real email channel (SMTP, or the file channel without one), with no campaign
and no outbox row: nothing of it can reach a list, count in a report, trip the duplicate-send rule or be
retried by a worker. The editor waits for it (one message) and sees the channel's answer in words.
Marked twice: the subject starts "[Test] " and the header X-Publisher-Test: yes.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from publisher import publication
from publisher.addresses import normalize_address
from publisher.channels import ChannelError, open_channel
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.library import get_articles
from publisher.render.email import RenderedDigest, render_digest
from publisher.render.message import message_template
from publisher.render.mime import Recipient, check_header_value
from publisher.store import Store

TEST_PREFIX = "[Test] "
TEST_HEADER = ("X-Publisher-Test", "yes")


def send_test(
    store: Store,
    settings: Settings,
    article_ids: Sequence[int],
    to: str,
    *,
    subject: str | None = None,
    preheader: str | None = None,
    full: bool | None = None,
    list_name: str = "test",
) -> str:
    """Send the digest these arguments would make to `to` alone, marked as a test; returns the address.

    Raises InvalidAddress for a bad address, PublisherError (with the channel's words) when it cannot go.
    """
    address = normalize_address(to)
    if not article_ids:
        raise PublisherError("choose at least one article for the test")
    if subject is not None:
        check_header_value("subject", subject)
    settings = publication.effective(store, settings)
    with store.session() as session:
        articles = get_articles(session, list(article_ids))
    digest = render_digest(articles, settings, subject=subject, full=full, preheader=preheader)
    marked = RenderedDigest(TEST_PREFIX + digest.subject, digest.html, digest.text, digest.key)
    template = message_template(
        settings, 0, marked, list_name, headers=[TEST_HEADER], message_id_label=f"test-{secrets.token_hex(8)}"
    )
    email = template.email(Recipient(id=0, email=address, name="", token="test"))
    channel = open_channel(settings.email_channel, settings)
    try:
        channel.send(email)
    except ChannelError as exc:
        raise PublisherError(f"the test could not be sent to {address}: {exc}") from None
    finally:
        channel.close()
    return address
