"""Local fake servers for X, Mastodon, Bluesky and webhook receivers: real HTTP on 127.0.0.1.

One module per network; each checks what the real service checks and records what it accepted (see
`base` for scripting failures).
"""

from tests.support.fakes.base import FakeServer, Reply, running
from tests.support.fakes.bluesky import FakeBluesky
from tests.support.fakes.mastodon import FakeMastodon
from tests.support.fakes.webhook import FakeWebhook
from tests.support.fakes.x import FakeX

__all__ = ["FakeBluesky", "FakeMastodon", "FakeServer", "FakeWebhook", "FakeX", "Reply", "running"]
