"""Local fake servers for X, Mastodon, Bluesky, LinkedIn, Threads and webhook receivers: real HTTP on 127.0.0.1.

One module per network; each checks what the real service checks and records what it accepted (see
`base` for scripting failures).
"""

from tests.support.fakes.base import FakeServer, Reply, running
from tests.support.fakes.bluesky import FakeBluesky
from tests.support.fakes.linkedin import FakeLinkedIn
from tests.support.fakes.mastodon import FakeMastodon
from tests.support.fakes.threads import FakeThreads
from tests.support.fakes.webhook import FakeWebhook
from tests.support.fakes.x import FakeX

__all__ = [
    "FakeBluesky",
    "FakeLinkedIn",
    "FakeMastodon",
    "FakeServer",
    "FakeThreads",
    "FakeWebhook",
    "FakeX",
    "Reply",
    "running",
]
