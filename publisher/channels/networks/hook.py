"""Event webhooks (issue 16): the hook channel, with no account (each delivery names its endpoint).

Its rows are the deliveries of the event log to webhook endpoints (campaign kind "event"), on their own
queue, so a slow receiver never holds up email or a share post.
"""

from __future__ import annotations

from publisher.channels.network import Network

NETWORK = Network(
    name="hook",
    channel="publisher.channels.hook:HookChannel",
    queue="share.hook",
    carries=frozenset({"event"}),
)
