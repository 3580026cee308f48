"""The public article page in Chromium (issue 11): each element of a rich document is laid out readably at
desktop and phone width, light and dark. Screenshots go to test-artifacts/ for a person to look at."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

import pytest

from publisher import editing, importers, library
from publisher.config import Settings
from publisher.store import Store
from publisher.web import create_app
from tests.support.browser import ARTIFACTS
from tests.support.web import LiveServer

playwright_api = pytest.importorskip("playwright.sync_api")

ARTICLE = """---
lang: en-GB
---
# A rich article, end to end

Read [the full report](https://example.org/report) first: it has *emphasis*, **strong words** and `inline code`.

## What changed

- Links keep their URL
  - even in a nested list
  - with a [link inside](https://example.org/nested)
- Lists keep their numbers

3. three
4. four

> A quote worth keeping, long enough to wrap onto a second line at phone width so the bar shows its height.

```python
def hello(name: str) -> str:
    return f"<b>Hello, {name}</b>"  # escaped, never markup
```

![A chart of the results](https://cdn.example.org/chart.png "Figure 1: the results")

---

The end, with a line that is long enough to wrap: https://example.org/a/very/long/path/that/should/wrap/nicely
"""


def png(width: int, height: int) -> bytes:
    """A small gradient PNG, so the page's image has something to show without the network."""
    raw = b"".join(
        b"\0" + b"".join(bytes((x * 255 // width, 110, 220 - y * 150 // height)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.fixture
def server(settings: Settings, store: Store) -> Iterator[LiveServer]:
    live = LiveServer(create_app(settings, store)).start()
    yield live
    live.stop()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("label", "width"), [("desktop", 1280), ("phone", 375)])
def test_the_article_page_lays_out_every_element(browser, server, store, scheme: str, label: str, width: int):
    article = importers.parse(ARTICLE.encode(), "rich.md")
    [(article_id, _)] = library.save_articles(store, [article])
    editing.set_published(store, article_id, True)
    image = png(640, 320)
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.route("https://cdn.example.org/**", lambda route: route.fulfill(body=image, content_type="image/png"))
    page.goto(f"{server.url}/articles/{article.slug}")

    assert page.locator("html").get_attribute("lang") == "en-GB"
    assert page.locator(".article-body ul ul li").count() == 2
    assert page.locator(".article-body ol").get_attribute("start") == "3"
    assert page.locator(".article-body blockquote").is_visible()
    assert page.locator(".article-body img").evaluate("img => img.naturalWidth") == 640
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"article-{label}-{scheme}.png"), full_page=True)
    context.close()
