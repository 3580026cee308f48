"""Image files for upload tests, made with Pillow."""

from __future__ import annotations

import io

from PIL import Image


def png(width: int = 800, height: int = 400, rgb: tuple[int, int, int] = (40, 110, 200)) -> bytes:
    """A PNG of one colour with a lighter band, so it is recognisable in a screenshot."""
    image = Image.new("RGB", (width, height), rgb)
    image.paste((240, 200, 60), (0, height // 3, width, 2 * height // 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
