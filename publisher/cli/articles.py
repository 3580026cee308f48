"""`publisher import` and `publisher article show|list`."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from publisher.cli.common import Format, FormatOption, commands, err, group, out, services

if TYPE_CHECKING:  # pragma: no cover
    from publisher.runtime import Services

top = commands()
article_app = group("Read imported articles.")


@top.command("import")
def import_articles(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Article files: .txt, .md or .html.")],
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="The language (en, pt-BR, ...) of files that declare none (<html lang>, front matter lang:); "
            "default PUBLISHER_LANGUAGE.",
        ),
    ] = None,
) -> None:
    """Import article files; prints one article id per file. Nothing is stored if any file is bad.

    Images a Markdown or HTML file names by a relative path are read from beside it into the media store.
    """
    from publisher import importers, library  # lazy: start-up cost
    from publisher.articles import UNDETERMINED, language_tag  # lazy: start-up cost
    from publisher.campaigns import service  # lazy: start-up cost

    if lang is not None and language_tag(lang) is None:
        raise typer.BadParameter(f"not a language tag such as en or pt-BR: {lang!r}", param_hint="--lang")
    from publisher.importers.local_images import check_local_images  # lazy: loads Pillow
    from publisher.media import limits_of  # lazy: start-up cost

    # Bad files are named before the settings are read: an undeclared language is filled in after.
    articles = [importers.load(path, language_tag(lang) or UNDETERMINED) for path in paths]
    s = services(ctx)
    articles = [replace(a, lang=s.settings.language) if a.lang == UNDETERMINED else a for a in articles]
    # Local images next to each file: all read and checked before any is stored, or the article.
    limits = limits_of(s.settings)
    checked = [check_local_images(a, p.parent, limits, name=str(p)) for a, p in zip(articles, paths, strict=True)]
    articles = [c.store(s.media) for c in checked]
    saved = library.save_articles(s.store, articles)
    for (article_id, created), path in zip(saved, paths, strict=True):
        out.print(article_id)
        if not created:
            err.print(f"{path}: imported before, as article {article_id}")
    # Auto-share (issue 6): PUBLISHER_SHARE_ON_IMPORT shares each newly imported article.
    if s.settings.share_on_import_channels:
        for article_id, created in saved:
            if created:
                service.auto_share_article(s, article_id)


@article_app.command("show")
def article_show(ctx: typer.Context, article_id: int, format: Annotated[Format, FormatOption] = Format.text) -> None:
    """Show one article."""
    from publisher import library  # lazy: start-up cost
    from publisher.render.urls import article_url  # lazy: start-up cost

    s = services(ctx)
    article = library.get_article(s.store, article_id)
    if format is Format.json:
        shown = {**article.to_dict(), "url": article_url(s.settings, article)}
        out.print(json.dumps(shown, ensure_ascii=False, indent=2), markup=False)
        return
    out.print(f"[bold]{escape(article.title)}[/]  (#{article.id}, {escape(article.slug)})")
    for section in article.sections:
        if section.heading:
            out.print(f"\n[bold underline]{escape(section.heading)}[/]")
        for paragraph in section.paragraphs:
            out.print(f"\n{paragraph}", markup=False)


@article_app.command("list")
def article_list(ctx: typer.Context, format: Annotated[Format, FormatOption] = Format.text) -> None:
    """List the newest articles; --format json lists every article with its id, title, slug, source and
    published_at (the source of a feed import is its entry's link)."""
    from publisher import library  # lazy: start-up cost

    if format is Format.json:
        out.print(json.dumps(_every_article(services(ctx)), ensure_ascii=False, indent=2), markup=False)
        return
    table = Table("id", "title", "slug")
    for article in library.list_articles(services(ctx).store):
        table.add_row(str(article.id), article.title, article.slug)
    out.print(table)


def _every_article(s: Services) -> list[dict[str, object]]:
    from sqlalchemy import select  # lazy: start-up cost

    from publisher.store.models import ArticleRow  # lazy: start-up cost

    with s.store.read_session() as session:
        rows = session.execute(
            select(
                ArticleRow.id, ArticleRow.title, ArticleRow.slug, ArticleRow.source, ArticleRow.published_at
            ).order_by(ArticleRow.id)
        ).all()
    return [
        {
            "id": row.id,
            "title": row.title,
            "slug": row.slug,
            # A feed import's source is its entry's link; a file's, the name it was imported from.
            "source": (row.source or {}).get("url") or (row.source or {}).get("name") or None,
            "source_kind": (row.source or {}).get("kind") or (row.source or {}).get("format"),
            "feed_id": (row.source or {}).get("feed_id"),
            "published_at": row.published_at.isoformat() if row.published_at else None,
        }
        for row in rows
    ]
