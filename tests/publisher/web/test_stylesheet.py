"""The stylesheet parses as its authors meant: every block it opens is closed where it should be.

A brace lost in a merge does not break the page outright: the rules after it silently move inside the block
left open (a dark-mode media query, say), so they apply in dark mode only. Checked by counting, outside
comments and strings, since a browser's CSS parser forgives it without a word.
"""

from __future__ import annotations

import re
from pathlib import Path

STYLESHEET = Path(__file__).resolve().parents[3] / "publisher" / "web" / "static" / "style.css"


def test_every_block_of_the_stylesheet_is_closed_and_none_closes_twice():
    text = re.sub(r"/\*.*?\*/|\"[^\"]*\"|'[^']*'", "", STYLESHEET.read_text(), flags=re.S)
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"style.css line {number} closes a block that is not open"
    assert depth == 0, f"style.css leaves {depth} block(s) open at its end"


def test_media_queries_hold_rules_and_no_media_query():
    """Our stylesheet never nests @media: one found inside another means a block above it was left open."""
    text = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(), flags=re.S)
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("@media"):
            assert depth == 0, f"style.css line {number}: @media inside another block"
        depth += line.count("{") - line.count("}")
