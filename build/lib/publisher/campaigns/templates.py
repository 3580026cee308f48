"""The publication's template overrides: load them for a send, try one out, save it only once it renders.

An override replaces a shipped template (render.templates.OVERRIDABLE: the digest's HTML and text parts)
for every digest the publication sends. It renders in the sandbox like the shipped ones. `save_override`
first renders the digest with it against the newest article (a sample one on a fresh install): a template
that does not compile, names a value a digest does not have, or reaches for Python internals is refused
with InvalidTemplate naming the problem and its line, so a bad override is never stored and never reaches
a send. `reset_override` deletes it: the shipped template is used again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher import library, publication
from publisher.articles import Article, Section
from publisher.config import Settings
from publisher.errors import NotFound, PublisherError
from publisher.render.email import RenderedDigest, render_digest
from publisher.render.templates import OVERRIDABLE, template_problem
from publisher.render.urls import digest_url, unsubscribe_url
from publisher.store import Store
from publisher.store.models import TemplateOverride, utcnow

MAX_SOURCE = 200_000  # characters: the shipped HTML template is about 7,000

SAMPLE = Article(
    "A sample article",
    "sample-article",
    "What the digest shows before any article was imported.",
    (Section(None, ("The first paragraph of a sample article.", "And its second paragraph.")),),
)


class InvalidTemplate(PublisherError):
    """A template override that does not compile or render; the message has its line."""


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    label: str
    source: str  # the override's, else the shipped template's
    overridden: bool
    updated_at: datetime | None


def load_overrides(session: Session) -> dict[str, str]:
    """The publication's overrides, name -> source (what render_digest's overrides= takes)."""
    return {row.name: row.source for row in session.scalars(select(TemplateOverride))}


def overrides(store: Store) -> dict[str, str]:
    with store.session() as session:
        return load_overrides(session)


def shipped_source(settings: Settings, name: str) -> str:
    _check_name(name)
    return (settings.templates_dir / name).read_text(encoding="utf-8")


def templates(store: Store, settings: Settings) -> list[TemplateInfo]:
    """Every template a publication may override, with the source it uses now."""
    with store.session() as session:
        rows = {row.name: row for row in session.scalars(select(TemplateOverride))}
    return [
        TemplateInfo(
            name=name,
            label=label,
            source=rows[name].source if name in rows else shipped_source(settings, name),
            overridden=name in rows,
            updated_at=rows[name].updated_at if name in rows else None,
        )
        for name, label in OVERRIDABLE.items()
    ]


def try_override(store: Store, settings: Settings, name: str, source: str) -> RenderedDigest:
    """The digest of the newest article rendered with this source for the template called name (and the
    publication's other overrides); InvalidTemplate, with the line, when it does not compile or render."""
    _check_name(name)
    if not isinstance(source, str) or not source.strip():
        raise InvalidTemplate("the template is empty; to use the shipped one, reset it")
    if len(source) > MAX_SOURCE:
        raise InvalidTemplate(f"the template is {len(source):,} characters long; at most {MAX_SOURCE:,}")
    if "\x00" in source:
        raise InvalidTemplate("the template contains a NUL character")
    with store.session() as session:
        chosen = {**load_overrides(session), name: source}
    newest = library.list_articles(store, limit=1)
    effective = publication.effective(store, settings)
    try:
        view_url = digest_url(settings.base_url, 0)
        digest = render_digest(newest or [SAMPLE], effective, overrides=chosen, view_url=view_url)
    except RecursionError:
        raise InvalidTemplate("the template calls itself without end") from None
    except Exception as exc:  # noqa: BLE001 - any error a template's code raises is the template's problem
        raise InvalidTemplate(template_problem(exc, name)) from None
    part = digest.html if name.endswith(".html.j2") else digest.text
    if unsubscribe_url(settings.base_url, digest.placeholder("TOKEN")) not in part:
        raise InvalidTemplate(
            "the template must keep the reader's Unsubscribe link, {{ personal.unsubscribe_url }}: every mail has one"
        )
    return digest


def save_override(store: Store, settings: Settings, name: str, source: str) -> TemplateInfo:
    """Store the override once it renders (try_override); InvalidTemplate otherwise, and nothing is stored."""
    source = source.replace("\r\n", "\n")
    try_override(store, settings, name, source)
    with store.session() as session:
        row = session.get(TemplateOverride, name)
        if row is None:
            row = TemplateOverride(name=name, source=source)
            session.add(row)
        else:
            row.source, row.updated_at = source, utcnow()
        session.flush()
        return TemplateInfo(name, OVERRIDABLE[name], source, True, row.updated_at)


def reset_override(store: Store, name: str) -> bool:
    """Back to the shipped template: delete the override. Whether there was one."""
    _check_name(name)
    with store.session() as session:
        row = session.get(TemplateOverride, name)
        if row is not None:
            session.delete(row)
        return row is not None


def _check_name(name: str) -> None:
    if name not in OVERRIDABLE:
        raise NotFound(f"no template called {name!r} can be changed; these can: {', '.join(OVERRIDABLE)}")
