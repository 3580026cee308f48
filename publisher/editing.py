"""What the editor's pages and the REST API do beyond the CLI: import from bytes, edit, publish, previews,
subscriber search and export, the dashboard's figures. Pages and API call these same functions.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path, PurePath
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from publisher import importers, library, sharing
from publisher.accounts import network_of
from publisher.articles import Article, Block, Section, blocks_from_sections, sections_of, summarize
from publisher.channels import share_channels
from publisher.config import Settings
from publisher.errors import NotFound, PublisherError
from publisher.render.email import RenderedDigest, placeholder_pattern, render_digest
from publisher.sharing import SharePreview
from publisher.states import CampaignKind
from publisher.store import Store
from publisher.store.models import (
    ArticleRow,
    Campaign,
    CampaignArticle,
    MailingList,
    Subscriber,
    Subscription,
)
from publisher.subscribers import CsvReport, read_csv, spreadsheet_safe

MAX_TITLE = 300
MAX_HEADING = 200


def import_bytes(store: Store, filename: str, data: bytes, lang: str | None = None) -> tuple[int, bool]:
    """Import one uploaded or pasted article, choosing the importer by the file name's suffix; lang is its
    language when the file declares none (the interfaces pass PUBLISHER_LANGUAGE)."""
    name = PurePath((filename or "").replace("\x00", "")).name or "pasted.txt"
    [(article_id, created)] = library.save_articles(store, [importers.parse(data, name, lang)])
    return article_id, created


@dataclass
class ArticleInfo:
    article: Article
    published_at: datetime | None
    created_at: datetime
    went_out: bool = False  # it was in a digest or a share post, so readers can open it

    @property
    def public(self) -> bool:
        return self.published_at is not None or self.went_out


def _went_out(session: Session, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(
        session.scalars(
            select(CampaignArticle.article_id).where(CampaignArticle.article_id.in_(ids), _campaign_went_out())
        )
    )


def _campaign_went_out() -> ColumnElement[bool]:
    """The CampaignArticle's campaign started (issue 7): a scheduled send, or one cancelled before its
    time, has not gone out, so its articles stay private until then."""
    return exists().where(
        Campaign.id == CampaignArticle.campaign_id,
        Campaign.state != "scheduled",
        ~and_(Campaign.state == "cancelled", Campaign.scheduled_at.is_not(None), Campaign.progress_at.is_(None)),
    )


def article_info(store: Store, article_id: int) -> ArticleInfo:
    with store.session() as session:
        row = session.get(ArticleRow, article_id)
        if row is None:
            raise NotFound(f"no article with id {article_id}")
        [article] = library.get_articles(session, [article_id])
        return ArticleInfo(article, row.published_at, row.created_at, bool(_went_out(session, [article_id])))


def list_article_infos(store: Store, limit: int = 200) -> list[ArticleInfo]:
    with store.session() as session:
        rows = session.scalars(select(ArticleRow).order_by(ArticleRow.id.desc()).limit(limit)).all()
        articles = library.get_articles(session, [r.id for r in rows])
        sent = _went_out(session, [r.id for r in rows])
        return [ArticleInfo(a, r.published_at, r.created_at, r.id in sent) for a, r in zip(articles, rows, strict=True)]


def clean_sections(raw: list[dict[str, Any]]) -> list[Section]:
    """Sections from edited fields: blank paragraphs dropped, empty sections removed; bad shapes refused."""
    sections: list[Section] = []
    if any("\x00" in (item.get("heading") or "") + "".join(item.get("paragraphs") or []) for item in raw):
        raise PublisherError("the text contains a NUL character; paste it again as plain text")
    for number, item in enumerate(raw, start=1):
        heading = (item.get("heading") or "").strip() or None
        paragraphs = tuple(p.strip() for p in item.get("paragraphs") or [] if p and p.strip())
        if heading and ("\n" in heading or len(heading) > MAX_HEADING):
            raise PublisherError(f"section {number}: a heading is one line of at most {MAX_HEADING} characters")
        if heading is None and not paragraphs:
            continue
        if not paragraphs:
            raise PublisherError(f"section {number} ({heading!r}) has a heading but no paragraphs")
        sections.append(Section(heading, paragraphs))
    if not sections:
        raise PublisherError("an article needs at least one paragraph")
    return sections


def clean_title(title: str) -> str:
    """The title on one line; refused when empty, too long or holding a NUL."""
    title = " ".join(title.split())
    if "\x00" in title:
        raise PublisherError("the title contains a NUL character")
    if not title:
        raise PublisherError("the title cannot be empty")
    if len(title) > MAX_TITLE:
        raise PublisherError(f"the title is {len(title)} characters long; at most {MAX_TITLE}")
    return title


def update_article(store: Store, article_id: int, title: str, sections: list[Section]) -> Article:
    """Change the title and replace the document with plain-text sections (the API's `sections`)."""
    if not sections:
        raise PublisherError("an article needs at least one paragraph")
    return save_document(store, article_id, title, blocks_from_sections(sections))


def save_document(store: Store, article_id: int, title: str, blocks: Sequence[Block] | None = None) -> Article:
    """Change the title and, given blocks, the document; the slug (the public URL) stays, the summary
    follows the first paragraph."""
    title = clean_title(title)
    with store.session() as session:
        row = session.get(ArticleRow, article_id)
        if row is None:
            raise NotFound(f"no article with id {article_id}")
        row.title = title
        if blocks is not None:
            sections = sections_of(blocks)
            if not sections:
                raise PublisherError("an article needs at least one paragraph")
            library.write_document(row, blocks)
            row.summary = summarize(sections[0].paragraphs[0])
        [article] = library.get_articles(session, [article_id])
        return article


def set_published(store: Store, article_id: int, published: bool) -> datetime | None:
    """Publish (the article appears in the public archive) or take it back to draft (library.set_published)."""
    return library.set_published(store, article_id, published)


def is_public(store: Store, article_id: int) -> bool:
    """Readers see an article once it is published, or once it went out in a digest or a share post."""
    with store.session() as session:
        row = session.get(ArticleRow, article_id)
        if row is None:
            return False
        if row.published_at is not None:
            return True
        return bool(
            session.scalar(select(exists().where(CampaignArticle.article_id == article_id, _campaign_went_out())))
        )


def public_since(store: Store, article_id: int) -> datetime | None:
    """When readers could first see the article: its publication, or the first campaign it went out in."""
    with store.session() as session:
        published = session.scalar(select(ArticleRow.published_at).where(ArticleRow.id == article_id))
        sent = session.scalar(
            select(func.min(func.coalesce(Campaign.scheduled_at, Campaign.created_at)))
            .join(CampaignArticle, CampaignArticle.campaign_id == Campaign.id)
            .where(CampaignArticle.article_id == article_id, _campaign_went_out().correlate(CampaignArticle))
        )
    dates = [d for d in (published, sent) if d is not None]
    return min(dates) if dates else None


def share_previews(store: Store, settings: Settings, article_id: int) -> list[SharePreview]:
    """publisher.sharing.preview for every configured share channel, one channel's problem shown on its own.

    Each item carries the post as the network counts it (weighted X length, Bluesky graphemes, URLs as the
    network counts them), the limit, whether the text was shortened to fit, and where the article was
    already shared to that account.
    """
    library.get_article(store, article_id)  # an unknown article is a 404, not one error per channel
    out: list[SharePreview] = []
    for name in share_channels(settings):
        try:
            out.extend(sharing.preview(store, settings, article_id, [name]))
        except PublisherError as exc:
            out.append(SharePreview(name, network_of(name), "", 0, None, False, "", error=str(exc)))
    return out


@dataclass
class ListInfo:
    id: int
    name: str
    active: int
    total: int


def lists_with_sizes(store: Store) -> list[ListInfo]:
    active = func.count(Subscription.subscriber_id).filter(Subscription.status == "active")
    with store.session() as session:
        rows = session.execute(
            select(MailingList.id, MailingList.name, active, func.count(Subscription.subscriber_id))
            .outerjoin(Subscription, Subscription.list_id == MailingList.id)
            .group_by(MailingList.id, MailingList.name)
            .order_by(MailingList.name)
        ).all()
    return [ListInfo(*r) for r in rows]


@dataclass
class SubscriberInfo:
    id: int
    email: str
    name: str
    lists: dict[str, str]  # list name -> subscription status
    created_at: datetime


def search_subscribers(store: Store, query: str = "", list_name: str = "", limit: int = 100) -> list[SubscriberInfo]:
    """Subscribers whose address or name contains query, optionally only those on one list."""
    stmt = select(Subscriber).order_by(Subscriber.id).limit(max(1, min(limit, 1000)))
    query, list_name = query.replace("\x00", "").strip(), list_name.replace("\x00", "")
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(Subscriber.email.ilike(pattern, escape="\\"), Subscriber.name.ilike(pattern, escape="\\"))
        )
    if list_name:
        stmt = stmt.where(
            exists().where(
                Subscription.subscriber_id == Subscriber.id,
                Subscription.list_id == MailingList.id,
                MailingList.name == list_name,
            )
        )
    with store.session() as session:
        people = session.scalars(stmt).all()
        memberships: dict[int, dict[str, str]] = {p.id: {} for p in people}
        if people:
            for subscriber_id, name, state in session.execute(
                select(Subscription.subscriber_id, MailingList.name, Subscription.status)
                .join(MailingList, MailingList.id == Subscription.list_id)
                .where(Subscription.subscriber_id.in_(list(memberships)))
            ):
                memberships[subscriber_id][name] = state
        return [SubscriberInfo(p.id, p.email, p.name, memberships[p.id], p.created_at) for p in people]


def export_csv(store: Store, list_name: str) -> str:
    """A list's subscribers as CSV (email, name, status, subscribed_at), importable again."""
    with store.session() as session:
        mailing_list = session.scalar(select(MailingList).where(MailingList.name == list_name.replace("\x00", "")))
        if mailing_list is None:
            raise NotFound(f"no list named {list_name!r}")
        rows = session.execute(
            select(Subscriber.email, Subscriber.name, Subscription.status, Subscription.created_at)
            .join(Subscription, Subscription.subscriber_id == Subscriber.id)
            .where(Subscription.list_id == mailing_list.id)
            .order_by(Subscriber.email)
        ).all()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["email", "name", "status", "subscribed_at"])
    for email, name, state, created in rows:
        writer.writerow(
            [spreadsheet_safe(email), spreadsheet_safe(name), state, created.isoformat() if created else ""]
        )
    return buffer.getvalue()


def read_csv_bytes(data: bytes, filename: str = "upload.csv") -> CsvReport:
    """publisher.subscribers.read_csv on uploaded bytes; errors name lines, not a temporary path."""
    name = PurePath((filename or "").replace("\x00", "")).name or "upload.csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            return read_csv(path)
        except PublisherError as exc:
            raise PublisherError(str(exc).replace(str(path), name)) from None


@dataclass
class CampaignRow:
    id: int
    kind: str
    state: str
    subject: str
    created_at: datetime


def recent_campaigns(store: Store, kind: str | None = None, limit: int = 20) -> list[CampaignRow]:
    """Digests and shares, newest first; double opt-in's "confirm" campaigns, the sequences' campaigns and the
    event webhook deliveries (issue 16) are left out."""
    stmt = select(Campaign).order_by(Campaign.id.desc()).limit(limit)
    if kind:
        stmt = stmt.where(Campaign.kind == kind)
    else:
        # Nor the welcome sequences' steps, which never finish (the list's sequence page shows them), nor the
        # event webhook deliveries (the Webhooks page shows them).
        stmt = stmt.where(Campaign.kind.not_in((CampaignKind.CONFIRM, CampaignKind.SEQUENCE, CampaignKind.EVENT)))
    with store.session() as session:
        return [CampaignRow(c.id, c.kind, c.state, c.subject, c.created_at) for c in session.scalars(stmt)]


def public_articles(store: Store, limit: int = 50) -> list[Article]:
    """What readers see in the archive: published articles, and those that went out, newest first."""
    sent = exists().where(CampaignArticle.article_id == ArticleRow.id, _campaign_went_out())
    with store.session() as session:
        ids = session.scalars(
            select(ArticleRow.id)
            .where(or_(ArticleRow.published_at.is_not(None), sent))
            .order_by(ArticleRow.id.desc())
            .limit(limit)
        ).all()
        return library.get_articles(session, list(ids))


PREVIEW_VALUES = {"NAME": "Alex Reader", "EMAIL": "alex@example.com", "TOKEN": "preview"}


def preview_digest(
    article: Article | Sequence[Article], settings: Settings, **options: Any
) -> RenderedDigest:
    """The digest as one sample reader would get it: personal fields filled with sample values.

    options: render_digest's (subject, full, preheader)."""
    articles = [article] if isinstance(article, Article) else list(article)
    return for_sample_reader(render_digest(articles, settings, **options))


def for_sample_reader(digest: RenderedDigest) -> RenderedDigest:
    """A rendered digest with its personal fields filled with sample values, for a preview."""
    pattern = placeholder_pattern(digest.key)

    def fill(text: str) -> str:
        return pattern.sub(lambda m: PREVIEW_VALUES[m.group(1)], text)

    return replace(digest, html=fill(digest.html), text=fill(digest.text))


@dataclass
class SentDigest:
    id: int
    subject: str
    sent_at: datetime
    articles: list[Article]


def sent_digests(store: Store, limit: int = 50, campaign_id: int | None = None) -> list[SentDigest]:
    """Digests that went out in full (campaign done), newest first, with their articles in order."""
    stmt = (
        select(Campaign)
        .where(Campaign.kind == "email", Campaign.state == "done")
        .order_by(Campaign.id.desc())
        .limit(limit)
    )
    if campaign_id is not None:
        stmt = stmt.where(Campaign.id == campaign_id)
    with store.session() as session:
        out: list[SentDigest] = []
        for campaign in session.scalars(stmt):
            ids = [link.article_id for link in campaign.articles]
            articles = library.get_articles(session, ids) if ids else []
            out.append(SentDigest(campaign.id, campaign.subject, campaign.finished_at or campaign.created_at, articles))
        return out


def check_send_input(list_name: str, subject: str | None) -> None:
    """Refuse a NUL character, which no database text column can hold, before it reaches one."""
    if "\x00" in list_name or (subject and "\x00" in subject):
        raise PublisherError("the list name or subject contains a NUL character")
