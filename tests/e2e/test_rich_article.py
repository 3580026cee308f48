"""Issue 11's acceptance: a rich article imported from Markdown, HTML or plain text reaches a real SMTP
server through a real worker with its links, lists, quotes, code and images intact, and its public page
shows the same with og:image. Images come from beside the imported file into the media store (files, or
a real S3-compatible server) and their URLs answer 200 with an image."""

from __future__ import annotations

import email
import email.policy
import io
import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from PIL import Image

from publisher.config import Settings
from publisher.web.app import create_app
from tests.support.cli import run_cli as run
from tests.support.html import tags_of
from tests.support.media import S3_KEY_ID, S3_SECRET, image_bytes, s3_server
from tests.support.services import free_port
from tests.support.smtp import SmtpServer
from tests.support.web import LiveServer
from workers.process import spawn_worker, stop_worker

REPORT = "https://example.com/report?year=2026&part=2"

MARKDOWN = f"""---
lang: en-GB
---
# Harbour report

Read [the full report]({REPORT}) with *care* and **attention**.

- Ships in port
  - container ships
  - ferries
- Cranes working

1. Check the tide
2. Open the gates

> The harbour never sleeps.

```python
print("tide")
```

![The harbour at dawn](img/harbour.jpg)

Thanks for reading.
"""

HTML = f"""<!doctype html><html lang="en-GB"><head><title>Harbour report</title></head><body>
<h1>Harbour report</h1>
<p>Read <a href="{REPORT}">the full report</a> with <em>care</em> and <strong>attention</strong>.</p>
<ul><li>Ships in port<ul><li>container ships</li><li>ferries</li></ul></li><li>Cranes working</li></ul>
<ol><li>Check the tide</li><li>Open the gates</li></ol>
<blockquote><p>The harbour never sleeps.</p></blockquote>
<pre><code class="language-python">print("tide")</code></pre>
<img src="img/harbour.jpg" alt="The harbour at dawn">
<p>Thanks for reading.</p>
</body></html>
"""


@pytest.fixture(params=["files", "s3"])
def media_env(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The media store's settings: the default (files served by the web app), or a real S3-compatible server."""
    if request.param == "files":
        yield {}
        return
    with s3_server() as s3:
        bucket = s3.new_bucket()
        yield {
            "PUBLISHER_MEDIA_URL": f"s3://{bucket}/news",
            "PUBLISHER_MEDIA_S3_ENDPOINT": s3.endpoint,
            "PUBLISHER_MEDIA_S3_ACCESS_KEY": S3_KEY_ID,
            "PUBLISHER_MEDIA_S3_SECRET_KEY": S3_SECRET,
            "PUBLISHER_MEDIA_S3_ACL": "public-read",
        }


@pytest.fixture
def site(media_env: dict[str, str], smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    """The web app served for real at PUBLISHER_BASE_URL, and the environment the CLI and worker run with."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")},
        **media_env,
        "PUBLISHER_BASE_URL": f"http://127.0.0.1:{port}",
        "PUBLISHER_SMTP_HOST": smtp_server.host,
        "PUBLISHER_SMTP_PORT": str(smtp_server.port),
        "PUBLISHER_TRACKING": "off",  # the article's links reach the mail as written (tracked: test_tracking_received)
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with ExitStack() as stack:
        live = LiveServer(create_app(Settings()), port=port).start()
        stack.callback(live.stop)
        yield {"env": env, "url": live.url}


def send_one(site: dict, path: Path, smtp_server: SmtpServer, tmp_path: Path) -> tuple[str, str, str]:
    """Import the file, mail it to one reader through a real worker; the received HTML, text and article id."""
    env = site["env"]
    article_id = run(env, "import", str(path))
    (tmp_path / "readers.csv").write_text("email,name\nreader@example.com,Reader\n")
    run(env, "subscribers", "import", str(tmp_path / "readers.csv"), "--list", "readers")
    worker = spawn_worker(env, concurrency=1, log_path=tmp_path / "worker.log")
    try:
        run(env, "send", article_id, "--list", "readers", "--wait", "--timeout", "90")
    finally:
        stop_worker(worker)
    [received] = smtp_server.wait_for(1)
    mail = email.message_from_bytes(received.data, policy=email.policy.default)
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    return html, text, article_id


def assert_rich(html: str) -> list[str]:
    """The elements the article has, in the received HTML; the image URLs."""
    tags = tags_of(html)
    [report] = [a for a in tags.named("a") if a["href"] == REPORT]
    assert "the full report" in tags.text_in("a")
    assert "care" in tags.text_in("em") and "attention" in tags.text_in("strong")
    assert "container ships" in tags.text_in("ul", "li", "ul", "li")
    assert "Check the tide" in tags.text_in("ol", "li")
    assert "The harbour never sleeps." in tags.text_in("blockquote")
    assert 'print("tide")' in tags.text_in("pre", "code")
    images = [img for img in tags.named("img") if img.get("alt") == "The harbour at dawn"]
    assert images, "the image reached the mail with its alt text"
    return [str(img["src"]) for img in images]


def assert_is_an_image(url: str) -> None:
    answer = httpx.get(url, timeout=10)
    assert answer.status_code == 200, url
    assert answer.headers["content-type"] in ("image/jpeg", "image/png")
    assert Image.open(io.BytesIO(answer.content)).size == (1200, 800)


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_rich_article_with_a_local_image_reaches_the_reader_and_the_web_intact(
    fmt: str, site: dict, smtp_server: SmtpServer, tmp_path: Path
):
    folder = tmp_path / "article"
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "harbour.jpg").write_bytes(image_bytes(1800, 1200))
    source = folder / f"harbour.{fmt}"
    source.write_text(MARKDOWN if fmt == "md" else HTML)

    html, text, article_id = send_one(site, source, smtp_server, tmp_path)

    [src] = assert_rich(html)
    assert src.startswith(("http://", "https://")) and "/img/" in src
    assert_is_an_image(src)
    media_base = site["env"].get("PUBLISHER_MEDIA_S3_ENDPOINT", site["url"])
    assert src.startswith(media_base)
    # The text part: the link as a numbered reference listed under the article, bullets, numbers, the quote.
    assert "the full report [1]" in text and f"[1] {REPORT}" in text
    assert "- Ships in port" in text and "1. Check the tide" in text
    assert "> The harbour never sleeps." in text and "[Image: The harbour at dawn]" in text
    # The public page (the article went out, so readers see it): the same document, and og:image.
    page = httpx.get(f"{site['url']}/articles/harbour-report", timeout=10)
    assert page.status_code == 200
    assert '<html lang="en-GB"' in page.text
    shown = tags_of(page.text)
    assert [a for a in shown.named("a") if a["href"] == REPORT]
    assert "container ships" in shown.text_in("ul", "li", "ul", "li") and shown.text_in("blockquote")
    [og] = [m for m in shown.named("meta") if m.get("property") == "og:image"]
    assert og["content"] == src


@pytest.mark.parametrize("media_env", ["files"], indirect=True)  # no image: the store does not matter
def test_a_plain_text_article_keeps_a_bare_url_as_a_link(site: dict, smtp_server: SmtpServer, tmp_path: Path):
    source = tmp_path / "plain.txt"
    source.write_text("Plain notes\n\nThe figures are at https://example.org/figures?x=1 for everyone.\n")

    html, text, _ = send_one(site, source, smtp_server, tmp_path)

    [link] = [a for a in tags_of(html).named("a") if a["href"] == "https://example.org/figures?x=1"]
    assert link is not None
    assert "https://example.org/figures?x=1" in text
