"""The rich digest in a real browser at desktop and phone width: nothing overflows, images fit the column.

Screenshots go to test-artifacts/digest/ (rich-desktop.png, rich-375.png, summaries-375.png) to look at.
"""

from __future__ import annotations

import struct
import zlib

import pytest

from publisher.config import Settings
from publisher.importers import parse
from publisher.render.email import render_digest
from tests.publisher.render.test_rich_digest import MARKDOWN
from tests.support.browser import ARTIFACTS

playwright_api = pytest.importorskip("playwright.sync_api")

SHOTS = ARTIFACTS / "digest"
RICH = MARKDOWN.replace(
    b"![A chart of the results](https://cdn.example.com/chart.png)",
    b'<img src="https://cdn.example.com/chart.png" alt="A chart of the results" width="1200" height="500">\n\n'
    b"![An unsized photo](https://cdn.example.com/photo.png)",
)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG, so the page's images load without the network."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


IMAGES = {"chart.png": png(1200, 500, (70, 130, 180)), "photo.png": png(900, 600, (200, 160, 90))}


def _open(browser: object, html: str, width: int) -> object:
    page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]

    def serve(route: object) -> None:
        name = route.request.url.rsplit("/", 1)[1]  # type: ignore[attr-defined]
        route.fulfill(status=200, content_type="image/png", body=IMAGES[name])  # type: ignore[attr-defined]

    page.route("https://cdn.example.com/**", serve)
    page.set_content(html, wait_until="load")
    return page


@pytest.mark.parametrize("width", [1280, 375])
def test_rich_digest_fits_desktop_and_phone(browser: object, settings: Settings, width: int):
    html = render_digest([parse(RICH, "rich.md")], settings).html
    page = _open(browser, html, width)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"rich-{'desktop' if width > 600 else width}.png"), full_page=True)  # type: ignore[attr-defined]

    assert page.evaluate("document.documentElement.scrollWidth") <= width  # type: ignore[attr-defined]
    boxes = page.evaluate(  # type: ignore[attr-defined]
        """() => [...document.querySelectorAll('.article img')].map(i => ({
            w: i.getBoundingClientRect().width, loaded: i.complete && i.naturalWidth > 0,
            column: i.closest('.article').clientWidth}))"""
    )
    assert len(boxes) == 2 and all(b["loaded"] for b in boxes)
    assert all(0 < b["w"] <= b["column"] for b in boxes)
    for selector in ("blockquote", "pre", "ul ol", "hr"):
        assert page.locator(f".article {selector}").count(), selector  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]


def test_summary_digest_at_phone_width(browser: object, settings: Settings, seed_path: object):
    from publisher.importers import load

    html = render_digest([parse(RICH, "rich.md"), load(seed_path)], settings).html  # type: ignore[arg-type]
    page = _open(browser, html, 375)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "summaries-375.png"), full_page=True)  # type: ignore[attr-defined]
    assert page.get_by_role("link", name="Read more").count() == 2  # type: ignore[attr-defined]
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]
