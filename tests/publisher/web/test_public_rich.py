"""The public article page renders the document (issue 11): links, lists, quotes, code, images; hostile input
stays inert; `<html lang>` is the article's; og:image is its cover."""

import re
from html.parser import HTMLParser

import httpx
import pytest

from publisher import editing, importers, library
from publisher.articles import Article
from publisher.articles.blocks import Image, Link, ListBlock, Paragraph, Quote, Text
from publisher.store import Store

MARKDOWN = b"""---
lang: fr
---
# Rich article

Read [the report](https://example.org/report?a=1&b=2) with *emphasis*, **strength** and `code`.

- first
  - nested one
  - nested two
- second

1. one
2. two

> A quote worth keeping.

```python
print("<b>hi</b>")
```

![A chart of results](https://cdn.example.org/chart.png "The caption")

---

The end.
"""

HOSTILE = b"""# Hostile

[click](javascript:alert(1)) [data](data:text/html,<script>alert(1)</script>) <script>alert(2)</script>

<img src=x onerror="alert(3)"> <a href="https://ok.example/" onclick="alert(4)">ok</a>

![x](javascript:alert(5)) ![y](http://img.example/y.png" onerror="alert(6))

> <svg onload="alert(7)"></svg>

- <iframe src="javascript:alert(8)"></iframe>
"""

HOSTILE_HTML = b"""<html lang="en"><body><h1>Hostile</h1>
<p><a href="javascript:alert(1)">click</a> <a href=" JaVaScRiPt:alert(1)">two</a> <script>alert(2)</script>
<a href="data:text/html,<script>alert(1)</script>">data</a></p>
<p onclick="alert(3)"><img src="x" onerror="alert(3)"> <a href="https://ok.example/" onmouseover="alert(4)">ok</a></p>
<img src="javascript:alert(5)" alt="x"><svg onload="alert(7)"><script>alert(7)</script></svg>
<blockquote style="background:url(javascript:alert(9))"><p>quoted</p></blockquote>
<ul><li><iframe src="javascript:alert(8)"></iframe>item</li></ul>
</body></html>
"""


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_inert(page: str) -> None:
    parser = _Tags()
    parser.feed(page)
    for tag, attrs in parser.tags:
        assert tag not in {"script", "iframe", "svg", "object", "embed", "style"}, f"<{tag}> reached the page"
        for name, value in attrs:
            assert not name.startswith("on"), f"<{tag} {name}=...> reached the page"
            assert name != "style", f"<{tag} style=...> reached the page"
            if name in {"href", "src"}:
                assert re.match(r"(https?:|mailto:|/)", value or ""), f"<{tag} {name}={value!r}>"


def publish(store: Store, article: Article) -> str:
    [(article_id, _)] = library.save_articles(store, [article])
    editing.set_published(store, article_id, True)
    return f"/articles/{article.slug}"


def test_markdown_article_shows_each_element(http: httpx.Client, store: Store):
    page = http.get(publish(store, importers.parse(MARKDOWN, "rich.md"))).text

    assert '<html lang="fr">' in page
    assert '<a href="https://example.org/report?a=1&amp;b=2" rel="nofollow noopener">the report</a>' in page
    assert "<em>emphasis</em>" in page and "<strong>strength</strong>" in page and "<code>code</code>" in page
    assert re.search(r"<ul>\s*<li>first\s*<ul>\s*<li>nested one</li>\s*<li>nested two</li>\s*</ul>", page)
    assert re.search(r"<ol>\s*<li>one</li>\s*<li>two</li>\s*</ol>", page)
    assert re.search(r"<blockquote>\s*<p>A quote worth keeping.</p>\s*</blockquote>", page)
    assert '<pre><code class="language-python">print(&#34;&lt;b&gt;hi&lt;/b&gt;&#34;)' in page
    assert '<img src="https://cdn.example.org/chart.png" alt="A chart of results"' in page
    assert "<hr>" in page


def test_og_image_is_the_cover_as_an_absolute_url(http: httpx.Client, store: Store):
    page = http.get(publish(store, importers.parse(MARKDOWN, "rich.md"))).text

    assert '<meta property="og:image" content="https://cdn.example.org/chart.png">' in page
    assert '<meta name="twitter:image" content="https://cdn.example.org/chart.png">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page


def test_no_og_image_without_an_image(http: httpx.Client, store: Store):
    article = importers.parse(b"# Plain\n\nJust words, with a [link](https://example.org/).\n", "plain.md")
    page = http.get(publish(store, article)).text

    assert "og:image" not in page and "twitter:image" not in page
    assert '<html lang="en">' in page


def test_a_local_image_is_not_rendered_and_is_not_the_cover(http: httpx.Client, store: Store):
    md = b"# Local\n\nWords.\n\n![here](img/local.png)\n\n![there](https://cdn.example.org/second.png)\n"
    page = http.get(publish(store, importers.parse(md, "local.md"))).text

    assert "img/local.png" not in page
    assert '<meta property="og:image" content="https://cdn.example.org/second.png">' in page


@pytest.mark.parametrize(("data", "name"), [(HOSTILE, "hostile.md"), (HOSTILE_HTML, "hostile.html")])
def test_hostile_documents_are_inert(http: httpx.Client, store: Store, data: bytes, name: str):
    page = http.get(publish(store, importers.parse(data, name))).text
    body = page.split("<main", 1)[1]

    assert "javascript:" not in page.lower()
    assert "data:text" not in page.lower()
    assert "<script" not in body.lower() and "<svg" not in body.lower() and "<iframe" not in body.lower()
    assert_inert(page)


def test_a_document_built_by_hand_is_escaped(http: httpx.Client, store: Store):
    blocks = (
        Paragraph((Text("<script>alert(1)</script>"), Link('https://ok.example/"onmouseover="x', (Text("t"),)))),
        ListBlock(False, ((Quote((Paragraph((Text("<b onclick=x>q</b>"),)),)),),)),
        Image("https://img.example/a.png", alt='" onerror="alert(1)', caption="<i>c</i>"),
    )
    article = Article(title="Built", slug="built", summary="s", blocks=blocks, source={"sha256": "b"})
    page = http.get(publish(store, article)).text

    assert "<script>alert" not in page and "<b onclick" not in page and "<i>c</i>" not in page
    assert_inert(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
