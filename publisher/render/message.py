"""The campaign's message template: every mail the publisher sends is built here (digests, confirmations).

One builder means one set of headers (From, List-Id, List-Unsubscribe, a deterministic Message-ID, Date,
DKIM when configured) for every kind of mail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from email.utils import parseaddr
from functools import partial

from publisher.articles import slugify
from publisher.config import Settings
from publisher.render.dkim import dkim_signer
from publisher.render.email import RenderedDigest
from publisher.render.mime import MessageTemplate
from publisher.tracking import Mode, mode_of
from publisher.tracking_tokens import MessageTokens, TokenSigner
from publisher.verp import verp_of


def list_label(name: str) -> str:
    """The list's name as it appears in List-Id."""
    return slugify(name, max_length=40)


def message_template(
    settings: Settings,
    campaign_id: int,
    digest: RenderedDigest,
    list_name: str,
    *,
    headers: Sequence[tuple[str, str]] = (),
    message_id_label: str | None = None,
    tracking: str | None = None,
) -> MessageTemplate:
    """The MessageTemplate of one campaign: every header value is checked for line breaks here.

    headers: more headers (a test send's X-Publisher-Test); message_id_label: see MessageTemplate;
    tracking: the campaign's frozen mode (campaigns.tracking): a tracking one fills the pixel and links in.
    """
    extra: list[tuple[str, str]] = [("Precedence", "bulk")] if settings.precedence_bulk else []
    extra.extend(headers)
    return MessageTemplate(
        digest,
        campaign_id=campaign_id,
        sender=settings.from_,
        base_url=settings.base_url,
        list_id=f"{settings.newsletter_name} <{list_label(list_name)}.{settings.sender_domain}>",
        reply_to=settings.reply_to,
        unsubscribe_mailto=settings.unsubscribe_mailto or parseaddr(settings.from_)[1],
        extra_headers=extra,
        signer=dkim_signer(settings),
        message_id_label=message_id_label,
        return_path=_return_path(settings, campaign_id) if message_id_label is None else None,
        tokens=_tokens(settings, campaign_id) if mode_of(tracking) != Mode.OFF else None,
    )


def _tokens(settings: Settings, campaign_id: int) -> MessageTokens:
    return MessageTokens(TokenSigner(settings.signing_key()), campaign_id)


def _return_path(settings: Settings, campaign_id: int) -> Callable[[int], str] | None:
    """Each recipient's signed VERP envelope sender (publisher.verp), or None when VERP is off."""
    verp = verp_of(settings)
    return None if verp is None else partial(verp.address, campaign_id)
