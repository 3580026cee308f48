"""Migration 0010 and the library: an article's document is stored as versioned JSON beside its language;
articles stored before the migration become documents of headings and paragraphs with the same text."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from publisher import importers, library
from publisher.articles import Article, Heading, Paragraph, Text, to_json
from publisher.store import Store
from publisher.store.session import _alembic_config
from tests.support.services import postgres_database

OLD_ROWS = [
    (
        1,
        "first",
        [{"heading": None, "paragraphs": ["One.", "Two “quoted”."]}, {"heading": "Later", "paragraphs": ["Three."]}],
    ),
    (2, "second", [{"heading": "Only", "paragraphs": ["A <b>literal</b> tag & more."]}]),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A database as revision 0010 left it, holding two articles written by that version."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        yield from _at_0010(url)
    else:
        with postgres_database() as url:
            yield from _at_0010(url)


def _at_0010(url: str) -> Iterator[str]:
    engine = create_engine(url)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0010")
    with engine.begin() as conn:
        for article_id, slug, sections in OLD_ROWS:
            conn.execute(
                text(
                    "INSERT INTO articles (id, title, slug, summary, sections, source, sha256, created_at) "
                    "VALUES (:id, :title, :slug, 's', :sections, '{}', :sha, '2026-01-01 00:00:00+00')"
                ),
                {"id": article_id, "title": slug.title(), "slug": slug, "sections": json.dumps(sections), "sha": slug},
            )
    engine.dispose()
    yield url


def test_upgrading_turns_each_articles_sections_into_its_document(old_database: str):
    store = Store(old_database)  # runs 0010
    try:
        first, second = (library.get_article(store, i) for i in (1, 2))
        with store.session() as session:
            langs = session.execute(text("SELECT lang FROM articles ORDER BY id")).scalars().all()
    finally:
        store.dispose()

    assert first.blocks == (
        Paragraph((Text("One."),)),
        Paragraph((Text("Two “quoted”."),)),
        Heading(2, (Text("Later"),)),
        Paragraph((Text("Three."),)),
    )
    assert [(s.heading, list(s.paragraphs)) for s in first.sections] == [
        (None, ["One.", "Two “quoted”."]),
        ("Later", ["Three."]),
    ]
    assert second.paragraphs == ["A <b>literal</b> tag & more."]  # text stays text
    assert langs == ["en", "en"] and first.lang == "en"


def test_upgrading_gives_existing_articles_the_configured_language(old_database: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PUBLISHER_LANGUAGE", "de")
    store = Store(old_database)
    try:
        assert library.get_article(store, 2).lang == "de"
    finally:
        store.dispose()


def test_downgrading_and_upgrading_again_keeps_the_text(old_database: str):
    Store(old_database).dispose()
    engine = create_engine(old_database)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
    engine.dispose()
    store = Store(old_database)
    try:
        assert library.get_article(store, 1).paragraphs == ["One.", "Two “quoted”.", "Three."]
    finally:
        store.dispose()


def test_the_library_stores_the_whole_document_and_the_language(any_store: Store):
    article = importers.parse(
        b"---\nlang: fr\n---\n# T\n\nSee [this](https://e.org) *now*.\n\n- a\n  - b\n\n> q\n\n```py\nx\n```\n\n"
        b'![c](https://e.org/c.png "Cap")\n\n---\n',
        "rich.md",
    )
    [(article_id, created)] = library.save_articles(any_store, [article])

    stored = library.get_article(any_store, article_id)

    assert created and stored.blocks == article.blocks and stored.lang == "fr"
    assert to_json(stored.blocks) == to_json(article.blocks)
    assert stored.sections == article.sections
    with any_store.session() as session:
        sections = session.execute(text("SELECT sections FROM articles WHERE id = :id"), {"id": article_id}).scalar()
    if isinstance(sections, str):
        sections = json.loads(sections)
    assert sections == [
        {"heading": None, "paragraphs": ["See this now.", "a", "b", "q", "x"]}
    ]  # kept for older readers


def test_an_article_made_from_sections_is_stored_and_read_back_the_same(store: Store):
    from publisher.articles import Section

    article = Article("T", "t", "Summary.", (Section(None, ("a",)), Section("H", ("b",))), source={"sha256": "x"})
    [(article_id, _)] = library.save_articles(store, [article])

    assert library.get_article(store, article_id).sections == article.sections
