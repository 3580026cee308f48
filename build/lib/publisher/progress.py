"""Rich progress bars for the terminal interfaces (the CLI and the demo).

The polling itself is publisher.campaigns.watch(); this module only draws what it yields, so it imports
no service and sits beside the interfaces that use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:  # pragma: no cover
    from publisher.campaigns import CampaignStatus


def bar(console: Console) -> Progress:
    """A progress bar with a count, a percentage and the time elapsed."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def follow(console: Console, updates: Iterable[CampaignStatus], label: str = "delivering") -> CampaignStatus:
    """Draw a bar from a campaign's successive statuses (campaigns.watch); returns the last one."""
    last: CampaignStatus | None = None
    with bar(console) as progress:
        task = progress.add_task(label, total=None)
        for last in updates:
            progress.update(task, total=last.total, completed=last.total - last.pending)
    if last is None:
        raise ValueError("campaigns.watch yielded no status")
    return last
