"""The digest composer's logic (issue 12), apart from its pages: read the form into a Draft, preview it as a
mail client and a reader would see it, and "Send and share" it in one go.

The form works without JavaScript: each article's checkbox (name "article") and its numbered order field
("order-ID"); the script (static/composer.js) only adds drag-to-order and up/down buttons that rewrite
those numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr

from sqlalchemy import func, select
from starlette.datastructures import FormData

from publisher import library, publication, writing
from publisher.articles import Article
from publisher.campaigns import service
from publisher.campaigns.create import earlier_share
from publisher.channels import share_channels
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.render.email import RenderedDigest
from publisher.runtime import Services
from publisher.store import Store
from publisher.store.models import MailingList, Subscription
from publisher.web.errors import word

CONTENT = {"auto": None, "full": True, "summary": False}  # the form's choice -> render_digest's full=


@dataclass
class Draft:
    """What the editor composed: articles in order, subject, preheader, content, lists, share accounts."""

    article_ids: list[int] = field(default_factory=list)
    subject: str = ""
    preheader: str = ""
    content: str = "auto"
    lists: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    test_to: str = ""

    @property
    def full(self) -> bool | None:
        return CONTENT.get(self.content)


def _order(value: object, default: int) -> float:
    try:
        return float(str(value))
    except ValueError:
        return float(default)


def read_draft(form: FormData, known_articles: Sequence[int], known_lists: Sequence[str]) -> Draft:
    """The Draft in a posted form: ticked articles sorted by their order numbers (ties: as listed)."""
    ticked = {str(v) for v in form.getlist("article")}
    chosen = [a for a in known_articles if str(a) in ticked]
    chosen.sort(key=lambda a: (_order(form.get(f"order-{a}"), known_articles.index(a)), known_articles.index(a)))
    lists = {str(v) for v in form.getlist("list")}
    content = str(form.get("content") or "auto")
    return Draft(
        article_ids=chosen,
        subject=" ".join(str(form.get("subject") or "").split())[:300],
        preheader=" ".join(str(form.get("preheader") or "").split())[:300],
        content=content if content in CONTENT else "auto",
        lists=[name for name in known_lists if name in lists],
        channels=[str(c) for c in form.getlist("channel")],
        test_to=str(form.get("test_to") or "").strip()[:320],
    )


def problems(draft: Draft) -> str:
    """What keeps the draft from being sent, in words; "" when nothing does."""
    if not draft.article_ids:
        return "Tick at least one article for the digest."
    if not draft.lists:
        return "Tick at least one list to send to."
    return ""


@dataclass(frozen=True)
class Inbox:
    """The digest as a mail client's message list shows it."""

    sender_name: str
    sender_address: str
    subject: str
    preheader: str


def preview(store: Store, settings: Settings, draft: Draft) -> tuple[Inbox, RenderedDigest, list[Article]]:
    """The inbox line and the rendered digest (for a sample reader) of the draft's articles."""
    with store.session() as session:
        articles = library.get_articles(session, draft.article_ids)
    digest = writing.as_sent(
        store, settings, articles, subject=draft.subject or None, full=draft.full, preheader=draft.preheader or None
    )
    settings = publication.effective(store, settings)
    name, address = parseaddr(settings.from_)
    preheader = draft.preheader or " ".join(articles[0].summary.split())
    return Inbox(name or address, address, digest.subject, preheader), digest, articles


def audience(store: Store, list_names: Sequence[str]) -> int:
    """How many addresses the digest goes to: the lists' active subscribers, each counted once."""
    with store.session() as session:
        return session.scalar(
            select(func.count(func.distinct(Subscription.subscriber_id)))
            .join(MailingList, MailingList.id == Subscription.list_id)
            .where(MailingList.name.in_(list(list_names)), Subscription.status == "active")
        ) or 0


def share_accounts(settings: Settings) -> tuple[list[str], list[str]]:
    """Every account an article can be shared to, and those ticked by default: PUBLISHER_SHARE_ON_DIGEST's,
    else all of them."""
    known = share_channels(settings)
    defaults = [c for c in settings.share_on_digest_channels if c in known]
    return known, defaults or known


@dataclass
class Sent:
    """The outcome of Send and share: the digest's campaign, each share's campaign, and what went wrong."""

    campaign_id: int
    shares: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "Title: already shared to x"
    errors: list[str] = field(default_factory=list)  # in words, naming the article and account


def send_and_share(services: Services, draft: Draft, *, submission: str, force: bool) -> Sent:
    """Send the digest (campaigns.service.send_digest), then share each article to the ticked accounts.

    A failure to send raises (nothing is shared); a share that fails is reported and does not undo the send.
    An account the article was shared to before is skipped, never posted twice.
    """
    known, _ = share_accounts(services.settings)
    channels = [c for c in dict.fromkeys(draft.channels) if c in known]
    campaign_id = service.send_digest(
        services,
        draft.article_ids,
        draft.lists,
        subject=draft.subject or None,
        preheader=draft.preheader or None,
        full=draft.full,
        force=force,
        submission=submission,
        auto_share=False,  # the editor ticked the accounts on the confirmation
    )
    sent = Sent(campaign_id)
    for article_id in draft.article_ids if channels else []:
        title = library.get_article(services.store, article_id).title
        todo = [c for c in channels if earlier_share(services.store, article_id, c) is None]
        sent.skipped.extend(f"{title}: already shared to {c}" for c in channels if c not in todo)
        if not todo:
            continue
        try:
            sent.shares.append(service.share(services, article_id, todo))
        except PublisherError as exc:
            sent.errors.append(f"{title}: {word(exc, api=False)}")
    return sent

