"""Which URLs a document may hold: links http, https and mailto; images http and https; relative image
paths kept aside as local files; every trick that would make a browser read another scheme refused."""

import pytest

from publisher.articles.urls import local_image_path, safe_href, safe_image_src

LINKS = [
    ("https://example.org/a?b=c#d", "https://example.org/a?b=c#d"),
    ("http://example.org", "http://example.org"),
    ("HTTPS://Example.org/X", "https://Example.org/X"),
    ("mailto:desk@example.org", "mailto:desk@example.org"),
    ("MailTo:desk@example.org", "mailto:desk@example.org"),
    ("  https://example.org/padded \n", "https://example.org/padded"),
    ("javascript:alert(1)", None),
    ("JaVaScRiPt:alert(1)", None),
    ("java\tscript:alert(1)", None),
    ("java\nscript:alert(1)", None),
    ("\x01javascript:alert(1)", None),
    ("https://exa\u200bmple.org", None),
    ("https://example.org/a b", None),
    ("data:text/html;base64,PHNjcmlwdD4=", None),
    ("vbscript:msgbox(1)", None),
    ("file:///etc/passwd", None),
    ("ftp://example.org/x", None),
    ("/relative/path", None),
    ("relative.html", None),
    ("//example.org/protocol-relative", None),
    ("https:\\\\evil.example", None),
    ("https:evil", None),
    ("http://", None),
    ("https://[::1", None),
    ("mailto:", None),
    ("", None),
    ("https://example.org/" + "a" * 3000, None),
]


@pytest.mark.parametrize(("url", "kept"), LINKS)
def test_a_link_keeps_only_http_https_and_mailto(url: str, kept: str | None):
    assert safe_href(url) == kept


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://example.org/c.png", "https://example.org/c.png"),
        ("HTTP://example.org/c.png", "http://example.org/c.png"),
        ("mailto:x@example.org", None),
        ("data:image/png;base64,iVBORw0KGgo=", None),
        ("javascript:alert(1)", None),
        ("img/chart.png", None),
    ],
)
def test_an_image_source_is_only_http_or_https(url: str, kept: str | None):
    assert safe_image_src(url) == kept


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("img/chart.png", "img/chart.png"),
        ("chart.png", "chart.png"),
        ("../shared/chart.png", "../shared/chart.png"),
        ("/etc/chart.png", None),
        ("//cdn.example/chart.png", None),
        ("C:\\photos\\chart.png", None),
        ("img\\chart.png", None),
        ("data:image/png;base64,AAA", None),
        ("javascript:alert(1)", None),
        ("https://example.org/c.png", None),
        ("img/ch art.png", None),
    ],
)
def test_a_relative_image_path_is_kept_as_a_local_file_for_the_media_store(url: str, local: str | None):
    assert local_image_path(url) == local
