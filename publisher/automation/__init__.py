"""Automation (issue 16): feeds in, recurring digests, welcome sequences, event webhooks, one publish;
and the outbox's retention (issue 17), which runs in the same sweep.

Every schedule and every event lives in the database; the workers' periodic sweep (workers.tasks) calls
sweep() here, after the scheduled sends, and each part does what is due and returns how much it did. Two
sweepers at once agree on one winner through the database (see publisher.store.automation).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from publisher.runtime import Services

log = logging.getLogger(__name__)


@dataclass
class Swept:
    """What one automation sweep did."""

    feeds_polled: int = 0
    digests_run: int = 0
    sequence_mails: int = 0
    webhook_events: int = 0
    campaigns_compacted: int = 0  # the outbox over time (issue 17, publisher.insight.retention)

    def __bool__(self) -> bool:
        return bool(
            self.feeds_polled
            or self.digests_run
            or self.sequence_mails
            or self.webhook_events
            or self.campaigns_compacted
        )


def sweep(services: Services) -> Swept:
    """Run every automation that is due now (services.clock); one part failing does not stop the others."""
    from publisher.automation import feeds, recurring, sequences, webhooks

    now = services.clock.now()
    done = Swept()
    parts = (
        ("feeds", lambda: feeds.poll_due(services, now=now), "feeds_polled"),
        ("recurring digests", lambda: recurring.run_due(services, now=now), "digests_run"),
        ("sequences", lambda: sequences.queue_due(services, now=now), "sequence_mails"),
        ("webhooks", lambda: webhooks.fan_out(services, now=now), "webhook_events"),
        # Finished mail campaigns past PUBLISHER_OUTBOX_RETENTION_DAYS, within a time budget per sweep.
        ("outbox retention", lambda: _compacted(services, now), "campaigns_compacted"),
    )
    for name, part, field in parts:
        try:
            setattr(done, field, part())
        except Exception:  # one automation failing must not stop the others; the next sweep tries again
            log.exception("automation sweep: %s failed", name)
    return done


def _compacted(services: Services, now: datetime) -> int:
    from publisher.insight import retention

    done = retention.compact_due(services.store, services.settings, now=now)
    return sum(1 for c in done if c.finished)
