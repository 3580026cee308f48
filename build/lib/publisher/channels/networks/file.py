"""The file channel: emails into a Maildir, share posts as JSON lines; no account, no limit. The demo's target."""

from __future__ import annotations

from publisher.channels.network import Network

NETWORK = Network(
    name="file",
    channel="publisher.channels.file:FileChannel",
    queue="share.file",
    carries=frozenset({"email", "post"}),
)
