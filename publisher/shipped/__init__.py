"""What the publisher ships besides code: the Jinja2 templates and the demo's example articles.

In the repository they are the top-level `templates/` and `examples/` directories; the build maps them into
the wheel as `publisher.shipped.templates` and `publisher.shipped.examples` (pyproject.toml), so an installed
publisher finds them through importlib.resources, from any working directory, and a source checkout (an
editable install) reads the same files in place.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _directory(name: str) -> Path:
    packaged = Path(str(files("publisher.shipped") / name))  # installed: the wheel's copy, in the package
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / name  # a source checkout: the repository's own


def templates_dir() -> Path:
    """The shipped Jinja2 templates (PUBLISHER_TEMPLATES_DIR overrides them)."""
    return _directory("templates")


def examples_dir() -> Path:
    """The example articles the demo imports."""
    return _directory("examples")
