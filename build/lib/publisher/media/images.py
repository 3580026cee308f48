"""Image checks and re-encoding (Pillow): what the media store keeps of an upload.

An upload is taken only if Pillow reads it as a JPEG, PNG, GIF or WebP image within the size limits
(bytes, then pixels: the header's dimensions are checked before any pixel is decoded, so a decompression
bomb is refused without being expanded). What is kept is never the uploaded file: the pixels are
re-encoded with no metadata (EXIF, GPS, comments, ICC profiles are dropped) after turning the image the
way its EXIF orientation says, as JPEG (photos) or PNG (anything with transparency, GIFs), each at the
widths an email needs.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from publisher.errors import MediaRefused

ACCEPTED = {"JPEG", "PNG", "GIF", "WEBP"}
# 600 px is an email's column; 1200 px is the same at 2x (what the digest's <img> points to); 2400 px caps
# the largest copy kept. An image narrower than a width gets no copy at that width.
WIDTHS = (600, 1200, 2400)
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000


@dataclass(frozen=True)
class Encoded:
    """One re-encoded copy of an image."""

    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class Prepared:
    """What the media store keeps of one upload: its copies by width, all in one format."""

    ext: str  # "jpg" or "png"
    copies: tuple[Encoded, ...]  # narrowest first; the last is the full size (capped at the largest width)
    source_format: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.ext]


def _megabytes(n: int) -> str:
    """A size as people read it: "12.5 MB", "10 MB", "340 KB"."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(n / 1024))} KB"


def _open(data: bytes, name: str, limits: Limits) -> Image.Image:
    if len(data) > limits.max_bytes:
        raise MediaRefused(
            f"{name} is {_megabytes(len(data))}; images may be at most {_megabytes(limits.max_bytes)}", limit="bytes"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaRefused(
            f"{name} claims far more pixels than an image may have (at most {limits.max_pixels / 1e6:g} megapixels)",
            limit="pixels",
        ) from None
    except (UnidentifiedImageError, OSError):
        raise MediaRefused(f"{name} is not a JPEG, PNG, GIF or WebP image") from None
    if image.format not in ACCEPTED:
        raise MediaRefused(f"{name} is a {image.format} file; images are JPEG, PNG, GIF or WebP") from None
    width, height = image.size
    if width * height > limits.max_pixels:
        raise MediaRefused(
            f"{name} is {width}x{height} pixels ({width * height / 1e6:.1f} megapixels); images may have at most "
            f"{limits.max_pixels / 1e6:g} megapixels",
            limit="pixels",
        )
    return image


def _decode(image: Image.Image, name: str) -> Image.Image:
    """The pixels, turned as the EXIF orientation says, with no metadata left on them."""
    try:
        image.seek(0)  # an animated GIF or WebP keeps its first frame
        image.load()
        turned = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise MediaRefused(f"{name} is damaged or truncated; it cannot be read as an image") from None
    has_alpha = turned.mode in ("RGBA", "LA", "PA") or (turned.mode == "P" and "transparency" in turned.info)
    pixels = turned.convert("RGBA" if has_alpha else "RGB")
    pixels.info.clear()
    return pixels


def _encode(image: Image.Image, ext: str) -> bytes:
    out = io.BytesIO()
    if ext == "jpg":
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def prepare(data: bytes, name: str = "the image", limits: Limits | None = None) -> Prepared:
    """Check an uploaded file and re-encode it at each width; MediaRefused names the limit it broke."""
    image = _open(data, name, limits or Limits())
    source_format = image.format or ""
    pixels = _decode(image, name)
    ext = "png" if pixels.mode == "RGBA" or source_format in ("PNG", "GIF") else "jpg"
    widths = [w for w in WIDTHS if w < pixels.width] + [min(pixels.width, WIDTHS[-1])]
    copies = []
    for width in sorted(set(widths)):
        height = max(1, round(pixels.height * width / pixels.width))
        sized = pixels if width == pixels.width else pixels.resize((width, height), Image.Resampling.LANCZOS)
        copies.append(Encoded(width, height, _encode(sized, ext)))
    return Prepared(ext=ext, copies=tuple(copies), source_format=source_format)
