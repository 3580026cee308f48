"""The Share form's "when" (issue 14): now, at a time (as the Send form's, send_time.py), or in the queue.

"Add to queue" puts each chosen account's post at that account's next free posting slot (campaigns.queue);
the form shows those slots before anything is taken, and the confirmation repeats them. The publication has
no time zone of its own, so a time is read as the Send form reads it: a datetime-local value plus the UTC
offset the browser fills in for that date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.datastructures import FormData

from publisher.campaigns import queue
from publisher.campaigns.slots import Slots
from publisher.store import Store
from publisher.web.send_time import SendTime, read_send_time


@dataclass(frozen=True)
class SlotInfo:
    """One account's posting slots and the next free one, as the Share form shows them."""

    account: str
    slots: Slots | None
    next_free: datetime | None

    @property
    def label(self) -> str:
        """E.g. "Fri 27 Mar 17:00 (Europe/Berlin)"; or why there is none."""
        if self.slots is None:
            return "no posting slots"
        if self.next_free is None:
            return "no free slot in the coming year"
        local = self.next_free.astimezone(self.slots.tzinfo)
        return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({self.slots.zone})"


@dataclass
class ShareWhen:
    """The editor's choice: "now", "later" (time.at) or "queue" (slots: each account's next free one)."""

    when: str = "now"
    time: SendTime = field(default_factory=SendTime)
    slots: list[SlotInfo] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How the confirmation says when: "now", "at <time>", or "in each account's queue"."""
        if self.when == "later" and self.time.at is not None:
            return f"at {self.time.label}"
        if self.when == "queue":
            return "at each account's next free posting slot"
        return "now"


def read_share_when(form: FormData) -> tuple[ShareWhen, str]:
    """The editor's choice and what is wrong with it ("" when nothing)."""
    choice = str(form.get("when") or "now")
    if choice == "queue":
        return ShareWhen("queue"), ""
    send_time, problem = read_send_time(form)
    if problem.startswith("Choose the date and time to send at"):
        problem = "Choose the date and time to post at, or share now."
    return ShareWhen(send_time.when, send_time), problem


def slot_infos(store: Store, accounts: Sequence[str], now: datetime | None = None) -> list[SlotInfo]:
    """Each account's slots and its next free one (nothing is taken)."""
    now = now or datetime.now(UTC)
    every = queue.all_slots(store)
    free = queue.next_free(store, [a for a in accounts if a in every], now=now)
    return [SlotInfo(a, every.get(a), free.get(a)) for a in accounts]


def queue_problem(infos: Sequence[SlotInfo]) -> str:
    """Why these accounts cannot be queued on ("" when they can)."""
    for info in infos:
        if info.slots is None:
            return (
                f"{info.account} has no posting slots yet: set them with "
                f'`publisher channels slots {info.account} "weekdays 09:00, 17:00" --tz Europe/Berlin`, '
                "or share now or at a time."
            )
        if info.next_free is None:
            return f"{info.account} has no free posting slot in the coming year."
    return ""
