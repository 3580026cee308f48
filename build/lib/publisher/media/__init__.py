"""The media store: images uploaded in the editor or found next to an imported file.

`open_store(settings)` gives the store PUBLISHER_MEDIA_URL names (files under the data directory by
default, or an S3-compatible bucket); `save_image` checks an upload with Pillow and keeps re-encoded
copies at the widths an email needs; `find_image` and `load_image` read them back by URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from publisher.media.images import Limits, prepare
from publisher.media.library import (
    Copy,
    Loaded,
    StoredImage,
    find_image,
    image_id,
    load_image,
    save_image,
    save_prepared,
)
from publisher.media.stores import CACHE_CONTROL, FileMediaStore, MediaStore, S3MediaStore, key_of, open_store, url_of

if TYPE_CHECKING:
    from publisher.config import Settings

__all__ = [
    "CACHE_CONTROL",
    "Copy",
    "FileMediaStore",
    "Limits",
    "Loaded",
    "MediaStore",
    "S3MediaStore",
    "StoredImage",
    "find_image",
    "image_id",
    "key_of",
    "limits_of",
    "load_image",
    "open_store",
    "prepare",
    "save_image",
    "save_prepared",
    "url_of",
]


def limits_of(settings: Settings) -> Limits:
    """The upload limits the settings give (PUBLISHER_MEDIA_MAX_BYTES, PUBLISHER_MEDIA_MAX_PIXELS)."""
    return Limits(max_bytes=settings.media_max_bytes, max_pixels=settings.media_max_pixels)
