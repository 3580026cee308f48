"""The document model and its versioned JSON: every block and inline run survives a round trip, the model
refuses unsafe URLs at construction, and from_json refuses what it cannot read, saying where."""

import json

import pytest

from publisher.articles import (
    MAX_NESTING,
    CodeBlock,
    Emphasis,
    Heading,
    Image,
    InlineCode,
    LineBreak,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Rule,
    Strong,
    Text,
    from_json,
    image,
    link,
    normalize_inlines,
    plain_text,
    to_json,
)
from publisher.errors import InvalidDocument

EVERYTHING = (
    Heading(2, (Text("Heading "), Emphasis((Text("em"),)))),
    Paragraph(
        (
            Text("See "),
            Link("https://example.org/r", (Strong((Text("the report"),)),)),
            Text(", "),
            InlineCode("x < y"),
            LineBreak(),
            Link("mailto:desk@example.org", (Text("write"),)),
        )
    ),
    ListBlock(
        False,
        ((Paragraph((Text("one"),)),), (Paragraph((Text("two"),)), ListBlock(True, ((Paragraph((Text("a"),)),),), 3))),
    ),
    Quote((Paragraph((Text("quoted"),)), Quote((Paragraph((Text("inner"),)),)))),
    CodeBlock("print('hi')\n  x = 1", "python"),
    CodeBlock("plain"),
    Image("https://example.org/c.png", "A chart", "Figure 1", 640, 480),
    Image(None, "Local", None, None, None, local="img/c.png"),
    Rule(),
)


def test_every_block_and_inline_survives_json_and_back():
    data = to_json(EVERYTHING)

    assert data["version"] == 1
    assert from_json(json.loads(json.dumps(data))) == EVERYTHING


def test_the_json_shape_is_the_documented_one():
    data = to_json(EVERYTHING)

    assert data["blocks"][0] == {
        "type": "heading",
        "level": 2,
        "children": [
            {"type": "text", "text": "Heading "},
            {"type": "emphasis", "children": [{"type": "text", "text": "em"}]},
        ],
    }
    assert [r["type"] for r in data["blocks"][1]["children"]] == ["text", "link", "text", "code", "break", "link"]
    assert data["blocks"][2]["items"][1][1] == {
        "type": "list",
        "ordered": True,
        "start": 3,
        "items": [[{"type": "paragraph", "children": [{"type": "text", "text": "a"}]}]],
    }
    assert data["blocks"][4] == {"type": "code", "text": "print('hi')\n  x = 1", "language": "python"}
    assert data["blocks"][6] == {
        "type": "image",
        "src": "https://example.org/c.png",
        "local": None,
        "alt": "A chart",
        "caption": "Figure 1",
        "width": 640,
        "height": 480,
    }
    assert data["blocks"][8] == {"type": "rule"}


def _paragraph(*children: dict) -> dict:
    return {"version": 1, "blocks": [{"type": "paragraph", "children": list(children)}]}


def _nested(depth: int) -> dict:
    block: dict = {"type": "paragraph", "children": [{"type": "text", "text": "deep"}]}
    for _ in range(depth):
        block = {"type": "quote", "blocks": [block]}
    return {"version": 1, "blocks": [block]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "a document is a JSON object"),
        ({"blocks": []}, "unknown document version None; this publisher reads version 1"),
        ({"version": 2, "blocks": []}, "unknown document version 2"),
        ({"version": "1", "blocks": []}, "unknown document version '1'"),
        ({"version": 1}, "document: missing 'blocks'"),
        ({"version": 1, "blocks": [{"type": "table"}]}, r"blocks\[0\]: unknown block type 'table'"),
        ({"version": 1, "blocks": ["text"]}, r"blocks\[0\]: not an object with a type"),
        (_paragraph({"type": "marquee", "text": "x"}), r"blocks\[0\].children\[0\]: unknown inline type 'marquee'"),
        (_paragraph({"type": "text"}), r"children\[0\]: missing 'text'"),
        (_paragraph({"type": "text", "text": 5}), "'text' has the wrong type"),
        ({"version": 1, "blocks": [{"type": "heading", "level": 9, "children": []}]}, "level is 1 to 6"),
        ({"version": 1, "blocks": [{"type": "heading", "level": True, "children": []}]}, "'level' has the wrong type"),
        ({"version": 1, "blocks": [{"type": "list", "ordered": True, "items": [{}]}]}, "each list item is a list"),
        (
            {"version": 1, "blocks": [{"type": "image", "src": None, "local": None, "alt": ""}]},
            "an image has either a src or a local path",
        ),
        (
            {"version": 1, "blocks": [{"type": "image", "src": "https://e.org/x.png", "alt": "", "width": -1}]},
            "width and height are 1 to",
        ),
        (_nested(MAX_NESTING + 1), f"nested more than {MAX_NESTING} levels deep"),
    ],
)
def test_from_json_refuses_what_it_cannot_read_and_says_where(data: object, message: str):
    with pytest.raises(InvalidDocument, match=message):
        from_json(data)


def test_nesting_up_to_the_limit_is_read():
    assert len(from_json(_nested(MAX_NESTING))) == 1


@pytest.mark.parametrize(
    "href", ["javascript:alert(1)", "data:text/html,x", "vbscript:x", "/relative", "java\tscript:x"]
)
def test_a_stored_link_with_a_bad_url_keeps_its_text_and_loses_the_link(href: str):
    [paragraph] = from_json(_paragraph({"type": "link", "href": href, "children": [{"type": "text", "text": "click"}]}))

    assert paragraph == Paragraph((Text("click"),))


@pytest.mark.parametrize("src", ["javascript:alert(1)", "data:image/png;base64,AAA", "mailto:x@example.org"])
def test_a_stored_image_with_a_bad_url_is_left_out(src: str):
    data = {"version": 1, "blocks": [{"type": "image", "src": src, "alt": "x"}, {"type": "rule"}]}

    assert from_json(data) == (Rule(),)


@pytest.mark.parametrize("href", ["javascript:alert(1)", "HTTPS://e.org", " https://e.org", "relative"])
def test_the_model_cannot_hold_an_unchecked_link(href: str):
    with pytest.raises(ValueError, match="build links with link"):
        Link(href, (Text("x"),))


@pytest.mark.parametrize(
    ("src", "local"),
    [("data:image/png;base64,AAA", None), (None, "/etc/passwd"), (None, None), ("https://e.org/x", "x")],
)
def test_the_model_cannot_hold_an_unchecked_image(src: str | None, local: str | None):
    with pytest.raises(ValueError):
        Image(src, "x", local=local)


def test_the_builders_turn_bad_urls_into_text_or_nothing():
    assert link("javascript:alert(1)", [Text("a")]) == (Text("a"),)
    assert link("HTTPS://e.org", [Text("a")]) == (Link("https://e.org", (Text("a"),)),)
    assert image("data:image/png;base64,AAA", "x") is None
    assert image("img/c.png", " A  chart ", " Cap ", "640px", "huge") == Image(
        None, "A chart", "Cap", 640, None, "img/c.png"
    )


def test_plain_text_flattens_every_inline():
    runs = (Text("a "), Link("https://e.org", (Emphasis((Text("b"),)),)), LineBreak(), Strong((InlineCode("c"),)))

    assert plain_text(runs) == "a b\nc"


@pytest.mark.parametrize(
    ("runs", "normalized"),
    [
        ((Text("  a \n\t b  "),), (Text("a b"),)),
        ((Text("a "), Emphasis((Text(" b"),)), Text(" c")), (Text("a "), Emphasis((Text("b"),)), Text(" c"))),
        ((Text("a "), LineBreak(), Text(" b"), LineBreak()), (Text("a"), LineBreak(), Text("b"))),
        ((Text("a"), Strong((Text("  "),))), (Text("a"),)),
        ((Text("a"), Text("b")), (Text("ab"),)),
        ((Text("x"), InlineCode("")), (Text("x"),)),
    ],
)
def test_normalize_inlines_collapses_whitespace_as_html_shows_it(runs: tuple, normalized: tuple):
    assert normalize_inlines(runs) == normalized
