"""Images in the media store: save an upload once, find it again by its URL, load bytes for a post.

An image is stored as `img/<id>/<width>.<ext>` copies and an `img/<id>/image.json` record written last
(so a record means every copy is there). The id is the upload's SHA-256: the same file uploaded twice is
stored once and gets the same URLs.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass

import httpx
from PIL import Image, UnidentifiedImageError

from publisher.errors import MediaRefused, MediaUnavailable, NotFound
from publisher.media.images import CONTENT_TYPES, Limits, Prepared, prepare
from publisher.media.stores import MediaStore, key_of, url_of

EMAIL_WIDTH = 1200  # the copy the digest and the pages show (at 600 px, so sharp on 2x screens)


@dataclass(frozen=True)
class Copy:
    width: int
    height: int
    url: str
    size: int  # bytes


@dataclass(frozen=True)
class StoredImage:
    """An image in the media store: its copies by width, and the one documents point to (`url`)."""

    id: str
    content_type: str
    copies: tuple[Copy, ...]  # narrowest first

    @property
    def main(self) -> Copy:
        fitting = [c for c in self.copies if c.width <= EMAIL_WIDTH]
        return fitting[-1] if fitting else self.copies[0]

    @property
    def url(self) -> str:
        return self.main.url

    @property
    def width(self) -> int:
        return self.main.width

    @property
    def height(self) -> int:
        return self.main.height

    def smallest_under(self, max_bytes: int, max_width: int = EMAIL_WIDTH) -> Copy:
        """The widest copy within both limits (for a network's attachment cap), else the smallest one."""
        fitting = [c for c in self.copies if c.size <= max_bytes and c.width <= max_width]
        return fitting[-1] if fitting else min(self.copies, key=lambda c: c.size)

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "url": self.url,
            "width": self.width,
            "height": self.height,
            "content_type": self.content_type,
            "copies": [{"width": c.width, "height": c.height, "url": c.url, "bytes": c.size} for c in self.copies],
        }


def _record_key(image_id: str) -> str:
    return f"img/{image_id}/image.json"


def _read_record(store: MediaStore, image_id: str) -> StoredImage | None:
    try:
        record = json.loads(store.get(_record_key(image_id)))
    except NotFound:
        return None
    copies = tuple(
        Copy(c["width"], c["height"], url_of(store, c["key"]), c["bytes"]) for c in record["copies"]
    )
    return StoredImage(id=image_id, content_type=record["content_type"], copies=copies)


def image_id(data: bytes) -> str:
    """The id an upload is stored under: its SHA-256, so the same file is stored once."""
    return hashlib.sha256(data).hexdigest()[:32]


def save_image(store: MediaStore, data: bytes, name: str = "the image", limits: Limits | None = None) -> StoredImage:
    """Check, re-encode and store an upload (MediaRefused names the limit it broke); stored once per file."""
    existing = _read_record(store, image_id(data))
    return existing if existing is not None else save_prepared(store, image_id(data), prepare(data, name, limits))


def save_prepared(store: MediaStore, id_: str, prepared: Prepared) -> StoredImage:
    """Store checked copies (from `prepare`) under `id_`; the record goes last, so it means all is there."""
    copies = []
    for copy in prepared.copies:
        key = f"img/{id_}/{copy.width}.{prepared.ext}"
        store.put(key, copy.data, prepared.content_type)
        copies.append({"width": copy.width, "height": copy.height, "key": key, "bytes": len(copy.data)})
    record = {"content_type": prepared.content_type, "source_format": prepared.source_format, "copies": copies}
    store.put(_record_key(id_), json.dumps(record).encode(), "application/json")
    found = _read_record(store, id_)
    assert found is not None
    return found


def find_image(store: MediaStore, url: str) -> StoredImage | None:
    """The stored image one of whose copies is at `url`, or None when the URL is not this store's."""
    key = key_of(store, url)
    if key is None or not key.startswith("img/"):
        return None
    parts = key.split("/")
    return _read_record(store, parts[1]) if len(parts) == 3 else None


@dataclass(frozen=True)
class Loaded:
    data: bytes
    content_type: str
    width: int | None = None  # pixels, when known (a stored copy's record, or the file's header)
    height: int | None = None


def _sized(data: bytes, content_type: str) -> Loaded:
    """The bytes with the size their header declares (nothing decoded), or without one if it is unreadable."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return Loaded(data, content_type)
    return Loaded(data, content_type, width, height)


def load_image(store: MediaStore, url: str, *, max_bytes: int, timeout: float = 20.0) -> Loaded:
    """The bytes of an image to attach to a post: from the store when the URL is its own, else fetched.

    A stored image gives its widest copy within `max_bytes`. A remote one must answer 200 with an image
    content type within `max_bytes`: MediaRefused otherwise, MediaUnavailable when it cannot be reached.
    """
    stored = find_image(store, url)
    if stored is not None:
        copy = stored.smallest_under(max_bytes)
        key = key_of(store, copy.url)
        assert key is not None
        return Loaded(store.get(key), stored.content_type, copy.width, copy.height)
    if key_of(store, url) is not None:
        key = key_of(store, url)
        assert key is not None
        ext = key.rsplit(".", 1)[-1]
        return _sized(store.get(key), CONTENT_TYPES.get(ext, "application/octet-stream"))
    fetched = _fetch(url, max_bytes=max_bytes, timeout=timeout)
    return _sized(fetched.data, fetched.content_type)


def _fetch(url: str, *, max_bytes: int, timeout: float) -> Loaded:
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=True) as answer:
            if answer.status_code != 200:
                raise MediaRefused(f"the image {url} answered {answer.status_code}")
            content_type = answer.headers.get("content-type", "").split(";")[0].strip().lower()
            if not content_type.startswith("image/"):
                raise MediaRefused(f"the image {url} is {content_type or 'of no content type'}, not an image")
            chunks, size = [], 0
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise MediaRefused(f"the image {url} is over {max_bytes} bytes", limit="bytes")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise MediaUnavailable(f"cannot fetch the image {url}: {type(exc).__name__}") from None
    return Loaded(b"".join(chunks), content_type)
