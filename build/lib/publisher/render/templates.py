"""The Jinja2 environment over the project's templates/ folder, and the publication's own template overrides.

Every template renders in a sandbox (jinja2.sandbox.SandboxedEnvironment): a template reaches the values it
is given, never Python internals (`{{ ''.__class__.__mro__ }}` is a SecurityError). Overrides are the
publication's own sources for the templates in OVERRIDABLE (editors change them on /editor/templates); the
loader looks at them first, then at the shipped files. This layer never reads the database: the campaign
layer loads the overrides and passes them in.

`template_problem` words what is wrong with a template (a syntax error, an unknown variable, an unsafe
attribute) with the line it is on, for the editor who wrote it.
"""

from __future__ import annotations

import textwrap
import traceback
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    select_autoescape,
)
from jinja2.sandbox import SandboxedEnvironment, SecurityError

# The templates a publication may override, and the label editors see.
OVERRIDABLE = {"email/digest.html.j2": "Digest (HTML)", "email/digest.txt.j2": "Digest (plain text)"}
OVERRIDE_PREFIX = "<override "  # an override's "file name" in tracebacks: where template_problem finds its line


def _wrap(text: str, width: int = 72) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False)) or text


class OverrideLoader(BaseLoader):
    """The publication's sources by template name; a name it does not hold falls through to the files."""

    def __init__(self, sources: Mapping[str, str]) -> None:
        self.sources = dict(sources)

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        if template not in self.sources:
            raise TemplateNotFound(template)
        return self.sources[template], f"{OVERRIDE_PREFIX}{template}>", lambda: True


def environment(templates_dir: Path, overrides: Mapping[str, str] | None = None) -> Environment:
    """HTML templates (*.html.j2) autoescape; text templates do not. With overrides (name -> source, names from
    OVERRIDABLE), those sources are used instead of the shipped files."""
    chosen = tuple(sorted((overrides or {}).items()))
    unknown = [name for name, _ in chosen if name not in OVERRIDABLE]
    if unknown:
        raise ValueError(f"{unknown[0]!r} cannot be overridden; these can: {', '.join(OVERRIDABLE)}")
    return _environment(templates_dir, chosen)


@lru_cache(maxsize=16)  # the shipped set, the publication's, and a few previews
def _environment(templates_dir: Path, overrides: tuple[tuple[str, str], ...]) -> Environment:
    files = FileSystemLoader(str(templates_dir))
    env = SandboxedEnvironment(
        loader=ChoiceLoader([OverrideLoader(dict(overrides)), files]) if overrides else files,
        autoescape=select_autoescape(enabled_extensions=("html.j2", "html"), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["wrap"] = _wrap
    return env


def template_problem(exc: Exception, name: str) -> str:
    """What is wrong with the override called name, with its line when known, in an editor's words."""
    line = exc.lineno if isinstance(exc, TemplateSyntaxError) else _line_in_override(exc, name)
    where = f"line {line}: " if line else ""
    if isinstance(exc, SecurityError):
        return f"{where}refused by the sandbox: {str(exc).rstrip('.')}; a template sees only the values it is given"
    if isinstance(exc, TemplateSyntaxError):
        return f"{where}{exc.message}"
    if isinstance(exc, UndefinedError):
        return f"{where}{exc.message} (see the shipped template for the values a digest has)"
    if isinstance(exc, TemplateError):
        return f"{where}{exc.message or type(exc).__name__}"
    return f"{where}{type(exc).__name__}: {exc}"  # a TypeError, a ZeroDivisionError... in the template's code


def _line_in_override(exc: BaseException, name: str) -> int | None:
    """The line of the override's frame nearest the error (Jinja rewrites tracebacks to template lines)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == f"{OVERRIDE_PREFIX}{name}>"]
    return frames[-1].lineno if frames else None
