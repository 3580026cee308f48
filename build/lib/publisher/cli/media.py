"""`publisher media add`: put images into the media store and print their URLs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from publisher.cli.common import Format, FormatOption, group, out, services

media_app = group("Images in the media store (files under the data directory, or an S3-compatible bucket).")


@media_app.command("add")
def media_add(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Image files: JPEG, PNG, GIF or WebP.")],
    format: Annotated[Format, FormatOption] = Format.text,
) -> None:
    """Check, re-encode and store images; prints each one's URL (the 1,200 px copy documents point to).

    Every file is checked before any is stored: a bad one is named and nothing is stored.
    """
    from publisher.errors import ImportFailed
    from publisher.media import image_id, limits_of, prepare, save_prepared  # lazy: loads Pillow

    s = services(ctx)
    limits = limits_of(s.settings)
    checked = []
    for path in paths:
        if not path.is_file():
            raise ImportFailed(f"{path}: no such file")
        data = path.read_bytes()
        checked.append((image_id(data), prepare(data, str(path), limits)))
    stored = [save_prepared(s.media, id_, prepared) for id_, prepared in checked]
    if format is Format.json:
        out.print(json.dumps([image.as_json() for image in stored], indent=2), markup=False)
        return
    for image in stored:
        out.print(image.url, markup=False, soft_wrap=True)
