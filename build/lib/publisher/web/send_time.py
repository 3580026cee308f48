"""The Send form's "now / at a time" choice (issue 7): a datetime-local value plus an explicit UTC offset.

A browser's datetime-local input has no time zone, so the form sends the offset beside it: the page's
script (static/send-time.js) picks the browser's offset for the chosen date (summer time included); without
the script the choice stays at UTC and says so. The confirmation step shows the time in that offset and in
UTC, and carries the full ISO 8601 time on to the final post.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from starlette.datastructures import FormData

from publisher import campaigns
from publisher.errors import PublisherError

# Every offset in use is a multiple of 15 minutes between UTC-12:00 and UTC+14:00.
OFFSETS = [f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}:{abs(m) % 60:02d}" for m in range(-12 * 60, 14 * 60 + 1, 15)]
_LOCAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")


@dataclass
class SendTime:
    """What the editor chose, kept to show the form again as it was."""

    when: str = "now"  # "now" or "later"
    local: str = ""  # the datetime-local value, e.g. 2026-12-01T09:00
    offset: str = "+00:00"
    at: datetime | None = None  # the chosen time, in the chosen offset; None to send now

    @property
    def label(self) -> str:
        """E.g. "Tue 1 Dec 2026, 09:00 (UTC+01:00), 08:00 UTC"."""
        if self.at is None:
            return "now"
        utc = self.at.astimezone(UTC)
        return f"{self.at:%a} {self.at.day} {self.at:%b %Y, %H:%M} (UTC{self.offset}), {utc:%Y-%m-%d %H:%M} UTC"

    @property
    def iso(self) -> str:
        return self.at.isoformat() if self.at else ""


def read_send_time(form: FormData) -> tuple[SendTime, str]:
    """The editor's choice, and what is wrong with it ("" when nothing): missing, unreadable or past."""
    if str(form.get("when") or "now") != "later":
        return SendTime(), ""
    full = str(form.get("send_at") or "")
    if full:  # the confirmation step's hidden field: a complete ISO 8601 time
        try:
            at = campaigns.parse_send_at(full)
            campaigns.check_send_at(at)
        except PublisherError as exc:
            return SendTime("later"), str(exc)
        return SendTime("later", at.strftime("%Y-%m-%dT%H:%M"), _format_offset(at), at), ""
    local = str(form.get("send_at_local") or "").strip()[:40]
    offset = str(form.get("tz_offset") or "+00:00")
    choice = SendTime("later", local, offset if offset in OFFSETS else "+00:00")
    if not local:
        return choice, "Choose the date and time to send at, or send now."
    if not _LOCAL.fullmatch(local):
        return choice, f"{local!r} is not a date and time such as 2026-12-01T09:00."
    if offset not in OFFSETS:
        return choice, f"{offset[:20]!r} is not a UTC offset such as +01:00."
    try:
        at = datetime.fromisoformat(local + offset)
        campaigns.check_send_at(at)
    except ValueError:
        return choice, f"{local!r} is not a date and time such as 2026-12-01T09:00."
    except PublisherError as exc:
        return choice, str(exc)
    choice.at = at
    return choice, ""


def _format_offset(at: datetime) -> str:
    delta = at.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
