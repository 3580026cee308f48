"""Delivery: claim outbox rows, build their messages, send them over one channel connection, record results.

    claim     claim a chunk of due rows ("sending", with a claim time and a lease)
    sources   per row, the finished message or why it must not be sent (email, confirmation, post)
    send      send a chunk through the channel's send_many and classify each outcome
    record    write a chunk's results, suppressions and the campaign's health in one transaction
    batch     deliver_batch: setup (a configuration error pauses the campaign), then chunk after chunk

Knows channels, render and the store; never campaigns (the shared campaign statements are in
publisher.store.progress).
"""

from publisher.delivery.batch import deliver_batch
from publisher.delivery.claim import CHUNK
from publisher.delivery.outcome import BatchOutcome, backoff
from publisher.delivery.send import MAX_CONSECUTIVE_TRANSIENT
from publisher.delivery.sources import campaign_template

__all__ = ["CHUNK", "MAX_CONSECUTIVE_TRANSIENT", "BatchOutcome", "backoff", "campaign_template", "deliver_batch"]
