"""The accessibility check a digest goes through before it is sent: check_digest(html, text, preheader).

It reads the digest as it goes out (CSS inlined by premailer, so every element carries its own colours)
and finds:
    missing_alt     an image with no alt attribute, or a linked image whose empty alt leaves the link unnamed
    image_only      images and hardly any text (spam filters and screen readers both get nothing)
    low_contrast    text whose colour against its background is under WCAG 2 AA: 4.5:1, or 3:1 for large
                    text (24 px, or 18.66 px bold); relative luminance as WCAG defines it
    no_text         an empty plain-text part
    no_preheader    no preview text, or preview text the HTML does not carry
Every finding is a warning: the Send page shows them, `publisher send` prints them, and `--strict` refuses to
send while there is one. The light rendering is what is checked; the dark-mode rules override colours with
!important in clients that support them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml.etree import ParserError

AA_NORMAL = 4.5
AA_LARGE = 3.0
MIN_WORDS_WITH_IMAGES = 50  # fewer visible words than this beside any image: an image-only mail
LINK_DEFAULT = "#0000ee"  # what a mail client shows an unstyled link in
PAGE_DEFAULT = "#ffffff"
TEXT_DEFAULT = "#000000"

_HEX = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
_RGB = re.compile(r"rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*([\d.]+)\s*)?\)")
_NAMED = {"white": "#ffffff", "black": "#000000", "red": "#ff0000", "blue": "#0000ff", "gray": "#808080",
          "grey": "#808080", "silver": "#c0c0c0", "navy": "#000080", "green": "#008000", "yellow": "#ffff00"}
_SIZE = re.compile(r"([\d.]+)\s*(px|pt)")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|max-height\s*:\s*0(?![.\d])")
_SKIP = {"head", "style", "script", "title", "meta", "link"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_LARGE_TAGS = {"h1": 32.0, "h2": 24.0}  # the browser's sizes for headings without a font-size of their own


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    severity: str = "warning"

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def check_digest(html: str, text: str, preheader: str | None) -> list[Finding]:
    """What stands between this digest and a reader who uses a screen reader, zooms, or reads in the sun."""
    findings: list[Finding] = []
    try:
        root = lxml.html.document_fromstring(html)
    except (ParserError, ValueError):
        return [Finding("no_html", "the HTML part is empty or cannot be read")]
    visible = [el for el in root.iter() if isinstance(el.tag, str) and not _hidden(el)]
    findings += _alt_text(visible)
    findings += _image_only(visible)
    findings += _contrast(visible)
    if not text.strip():
        findings.append(Finding("no_text", "the plain-text part is empty; some readers see only that part"))
    findings += _preheader(root, preheader)
    return findings


# --- colour maths (WCAG 2.x) ---------------------------------------------------------------------------------


def parse_colour(value: str) -> tuple[int, int, int] | None:
    """#rgb, #rrggbb, rgb(), an opaque rgba() or a basic colour name as (r, g, b); None otherwise."""
    value = value.strip().lower()
    if value in _NAMED:
        value = _NAMED[value]
    if match := _HEX.fullmatch(value):
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)
    if (match := _RGB.fullmatch(value)) and (match.group(4) is None or float(match.group(4)) >= 1):
        r, g, b = (min(255, int(match.group(i))) for i in (1, 2, 3))
        return r, g, b
    return None


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(one: str, other: str) -> float:
    """WCAG contrast of two colours, from 1 (none) to 21 (black on white); ValueError for an unknown colour."""
    a, b = parse_colour(one), parse_colour(other)
    if a is None or b is None:
        raise ValueError(f"not a colour: {one if a is None else other!r}")
    lighter, darker = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# --- the checks ----------------------------------------------------------------------------------------------


def _style(el: lxml.html.HtmlElement) -> dict[str, str]:
    out = {}
    for part in (el.get("style") or "").split(";"):
        key, _, value = part.partition(":")
        if value.strip():
            out[key.strip().lower()] = value.replace("!important", "").strip()
    return out


def _hidden(el: lxml.html.HtmlElement) -> bool:
    for node in (el, *el.iterancestors()):
        if node.tag in _SKIP or _HIDDEN.search(node.get("style") or "") or "preheader" in (node.get("class") or ""):
            return True
    return False


def _own_text(el: lxml.html.HtmlElement) -> str:
    parts = [el.text or ""] + [child.tail or "" for child in el]
    return " ".join(" ".join(parts).split())


def _alt_text(visible: list[lxml.html.HtmlElement]) -> list[Finding]:
    findings = []
    for img in (el for el in visible if el.tag == "img"):
        src = (img.get("src") or "")[:80]
        alt = img.get("alt")
        link = next((a for a in img.iterancestors() if a.tag == "a"), None)
        if alt is None:
            findings.append(Finding("missing_alt", f"the image {src} has no alt text"))
        elif not alt.strip() and link is not None and not " ".join(link.text_content().split()):
            findings.append(
                Finding("missing_alt", f"the linked image {src} has an empty alt text, so its link has no name")
            )
    return findings


def _image_only(visible: list[lxml.html.HtmlElement]) -> list[Finding]:
    images = sum(1 for el in visible if el.tag == "img")
    words = sum(len(_own_text(el).split()) for el in visible)
    if images and words < MIN_WORDS_WITH_IMAGES:
        return [
            Finding(
                "image_only",
                f"the mail is mostly images: {images} image{'s' if images > 1 else ''} and {words} words of text "
                f"(fewer than {MIN_WORDS_WITH_IMAGES}); put the message in text too",
            )
        ]
    return []


def _colour_of(el: lxml.html.HtmlElement) -> str:
    """The text colour: the nearest one set, an unstyled link's default blue, or black."""
    for node in (el, *el.iterancestors()):
        value = _style(node).get("color")
        if value and value.lower() not in ("inherit", "initial", "currentcolor"):
            return value
        if node.tag == "a":
            return LINK_DEFAULT
    return TEXT_DEFAULT


def _background_of(el: lxml.html.HtmlElement) -> str:
    """The background: the nearest colour set (background-color, background, bgcolor), or white."""
    for node in (el, *el.iterancestors()):
        style = _style(node)
        value = style.get("background-color") or _background_colour(style.get("background", "")) or node.get("bgcolor")
        if value and value.lower() not in ("transparent", "inherit", "initial"):
            return value
    return PAGE_DEFAULT


def _background_colour(shorthand: str) -> str | None:
    for token in re.findall(r"rgba?\([^)]*\)|#[0-9a-fA-F]{3,6}\b|[a-z]+", shorthand.lower()):
        if parse_colour(token) is not None:
            return token
    return None


def _large(el: lxml.html.HtmlElement) -> bool:
    size: float | None = None
    for node in (el, *el.iterancestors()):
        if match := _SIZE.search(_style(node).get("font-size", "")):
            size = float(match.group(1)) * (4 / 3 if match.group(2) == "pt" else 1)
            break
        if node.tag in _LARGE_TAGS:
            size = _LARGE_TAGS[node.tag]
            break
    chain = (el, *el.iterancestors())
    weight = next((w for n in chain if (w := _style(n).get("font-weight"))), "")
    bold = weight in ("bold", "bolder") or (weight.isdigit() and int(weight) >= 700) or el.tag in ("b", "strong")
    bold = bold or (not weight and any(n.tag in _HEADINGS for n in chain))
    return size is not None and (size >= 24 or (bold and size >= 18.66))


def _contrast(visible: list[lxml.html.HtmlElement]) -> list[Finding]:
    findings, seen = [], set()
    for el in visible:
        sample = _own_text(el)
        if not sample:
            continue
        fg, bg = _colour_of(el), _background_of(el)
        try:
            ratio = contrast_ratio(fg, bg)
        except ValueError:
            continue  # a colour this check does not read (a CSS variable, a gradient): not guessed at
        needed = AA_LARGE if _large(el) else AA_NORMAL
        if ratio < needed and (fg, bg, needed) not in seen:
            seen.add((fg, bg, needed))
            shown = sample if len(sample) <= 40 else sample[:39] + "…"
            findings.append(
                Finding(
                    "low_contrast",
                    f"“{shown}” is {fg} on {bg}: contrast {ratio:.2f}:1, under WCAG AA's {needed:g}:1",
                )
            )
    return findings


def _preheader(root: lxml.html.HtmlElement, preheader: str | None) -> list[Finding]:
    wanted = " ".join((preheader or "").split())
    if not wanted:
        return [Finding("no_preheader", "the digest has no preheader: mail clients show its first words instead")]
    shown = " ".join(root.text_content().split())
    if wanted[:60] not in shown:
        return [Finding("no_preheader", "the preheader is not in the HTML part (does the template show it?)")]
    return []
