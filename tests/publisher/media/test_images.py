"""What the media store keeps of an upload: Pillow checks it, turns it upright, strips its metadata, and
re-encodes it at the widths an email needs; anything else is refused with the limit it broke."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from publisher.errors import MediaRefused
from publisher.media import Limits, prepare
from tests.support.media import image_bytes

DESCRIPTION, MAKE, ORIENTATION = 0x010E, 0x010F, 0x0112


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_a_photo_is_kept_as_jpeg_at_600_1200_and_full_width():
    prepared = prepare(image_bytes(3000, 1500), "photo.jpg")

    assert prepared.ext == "jpg" and prepared.content_type == "image/jpeg"
    assert [(c.width, c.height) for c in prepared.copies] == [(600, 300), (1200, 600), (2400, 1200)]
    assert all(opened(c.data).size == (c.width, c.height) for c in prepared.copies)


def test_a_small_image_is_never_enlarged():
    prepared = prepare(image_bytes(320, 200, "PNG"), "icon.png")

    assert [(c.width, c.height) for c in prepared.copies] == [(320, 200)]


def test_exif_is_stripped_after_turning_the_photo_as_its_orientation_says():
    data = image_bytes(1600, 900, exif={MAKE: "Camera Co", ORIENTATION: 6, DESCRIPTION: "At home, 52.1N 4.3E"})

    prepared = prepare(data, "phone.jpg")

    full = prepared.copies[-1]
    assert (full.width, full.height) == (900, 1600)  # turned upright: orientation 6 is 90 degrees
    kept = opened(full.data)
    assert dict(kept.getexif()) == {}
    assert b"Camera Co" not in full.data and b"52.1N" not in full.data and b"Exif" not in full.data


def test_transparency_keeps_png_and_a_gif_becomes_png():
    assert prepare(image_bytes(400, 300, "PNG", mode="RGBA", colour=(0, 0, 0, 0))).ext == "png"
    gif = prepare(image_bytes(400, 300, "GIF"), "anim.gif")
    assert gif.ext == "png" and opened(gif.copies[0].data).format == "PNG"


def test_webp_without_alpha_becomes_jpeg_for_mail_clients_that_cannot_show_webp():
    prepared = prepare(image_bytes(800, 600, "WEBP"), "photo.webp")

    assert prepared.ext == "jpg" and opened(prepared.copies[0].data).format == "JPEG"


@pytest.mark.parametrize(
    "data",
    [
        b"just some text, not an image",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"%PDF-1.7\n",
    ],
    ids=["text", "svg-with-script", "pdf"],
)
def test_a_file_that_is_not_an_image_is_refused_naming_the_formats_taken(data):
    with pytest.raises(MediaRefused, match=r"upload\.bin is not a JPEG, PNG, GIF or WebP image") as refused:
        prepare(data, "upload.bin")
    assert refused.value.limit is None


def test_another_image_format_is_refused_by_name():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "BMP")

    with pytest.raises(MediaRefused, match=r"pic\.bmp is a BMP file; images are JPEG, PNG, GIF or WebP"):
        prepare(out.getvalue(), "pic.bmp")


def test_a_file_over_the_size_limit_is_refused_naming_the_limit():
    with pytest.raises(MediaRefused, match=r"big\.jpg is \d+ KB; images may be at most 10 KB") as refused:
        prepare(image_bytes(1200, 1200), "big.jpg", Limits(max_bytes=10 * 1024))
    assert refused.value.limit == "bytes"


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels: a decompression bomb's shape."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\0" * 64)  # far too little data: never decoded, refused on the header alone
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_on_its_header_without_decoding_it():
    bomb = png_claiming(50_000, 50_000)  # 2,500 megapixels in a few bytes

    claim = r"bomb\.png claims far more pixels than an image may have \(at most 40 megapixels\)"
    with pytest.raises(MediaRefused, match=claim) as refused:
        prepare(bomb, "bomb.png")
    assert refused.value.limit == "pixels"


def test_an_image_over_the_pixel_limit_is_refused_naming_the_limit():
    said = r"wide\.png is 8000x6000 pixels \(48\.0 megapixels\); images may have at most 40 megapixels"
    with pytest.raises(MediaRefused, match=said) as refused:
        prepare(png_claiming(8000, 6000), "wide.png")
    assert refused.value.limit == "pixels"


def test_a_truncated_image_is_refused_as_damaged():
    data = image_bytes(1600, 900)

    with pytest.raises(MediaRefused, match=r"cut\.jpg is damaged or truncated"):
        prepare(data[: len(data) // 2], "cut.jpg")
