"""A recurring digest's subject template: {date} (with an optional strftime format), {count}, {first_title}.

str.format with only those names: a field with an attribute or an index ({date.__class__}), a conversion or
a width is refused when the schedule is added, so rendering it at run time cannot reach anything else.
"""

from __future__ import annotations

import string
from datetime import datetime

from publisher.errors import PublisherError

SUBJECT_NAMES = ("date", "count", "first_title")
_SUBJECT_MAX = 300


def check_subject_template(template: str) -> str:
    """A subject template using only {date} (with an optional strftime format, {date:%d %B}), {count} and
    {first_title}; anything else is refused naming it (str.format would reach attributes and indexes)."""
    template = template.strip()
    if "\r" in template or "\n" in template:
        raise PublisherError("the subject template has a line break; a subject is one line")
    if any(ord(c) < 32 for c in template):
        raise PublisherError("the subject template has a control character; a subject is plain text")
    if len(template) > _SUBJECT_MAX:
        raise PublisherError(f"the subject template is longer than {_SUBJECT_MAX} characters")
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise PublisherError(f"the subject template cannot be read ({exc}); write {{{{ for a literal brace") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in SUBJECT_NAMES:
            allowed = ", ".join(f"{{{n}}}" for n in SUBJECT_NAMES)
            raise PublisherError(f"the subject template names {{{name}}}; it may use only {allowed}")
        if conversion or (spec and name != "date") or (spec and "{" in spec):
            raise PublisherError(f"{{{name}}} takes no conversion or format here (only {{date:%d %B %Y}} does)")
    return template


def render_subject(template: str, when: datetime, count: int, first_title: str) -> str | None:
    """The subject of a run (None: the digest's own default subject)."""
    if not template:
        return None
    return template.format(date=when, count=count, first_title=first_title).strip() or None
