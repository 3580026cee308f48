"""The metrics of GET /metrics (and of a worker's exporter): Prometheus text format, read at scrape time.

What the database knows is counted at each scrape with a few GROUP BY queries in one read-only transaction
(`Store.reading`: no write lock), so every scrape of every web process agrees, however many workers and
hosts did the sending:

    publisher_outbox_rows{state,channel}     gauge: outbox rows in each state
    publisher_outbox_sent_total{channel}     counter: rows sent so far (rate() is sends per second)
    publisher_bounces_total{kind,reason}     counter: bounce and complaint events received
    publisher_campaigns{state}               gauge: campaigns in each state

Beside them, the in-process metrics of publisher.telemetry (delivery latency, sends, task retries): this
process's own, or with PROMETHEUS_MULTIPROC_DIR set every process's that writes to that directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from publisher.states import CampaignState, RowState
from publisher.store import Store
from publisher.store.models import BounceEvent, Campaign, OutboxRow

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class StoreCollector(Collector):
    """Outbox rows, sent totals, bounces and campaigns, counted in the database when scraped."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterable[Metric]:
        rows = GaugeMetricFamily(
            "publisher_outbox_rows", "Outbox rows by state and channel.", labels=["state", "channel"]
        )
        sent = CounterMetricFamily(
            "publisher_outbox_sent", "Outbox rows sent, by channel (rate() gives sends per second).", labels=["channel"]
        )
        bounces = CounterMetricFamily(
            "publisher_bounces", "Bounce and complaint events received, by kind and reason.", labels=["kind", "reason"]
        )
        campaigns = GaugeMetricFamily("publisher_campaigns", "Campaigns by state.", labels=["state"])
        with self.store.reading() as conn:
            by_state = conn.execute(
                select(OutboxRow.state, OutboxRow.channel, func.count()).group_by(OutboxRow.state, OutboxRow.channel)
            ).all()
            kind, reason = BounceEvent.kind, BounceEvent.reason
            by_reason = conn.execute(select(kind, reason, func.count()).group_by(kind, reason)).all()
            by_campaign = {state: count for state, count in conn.execute(
                select(Campaign.state, func.count()).group_by(Campaign.state)
            )}
        channels = sorted({channel for _, channel, _ in by_state})
        counts = {(state, channel): count for state, channel, count in by_state}
        for channel in channels:  # every state of a channel it has rows in, zeros too: no series comes and goes
            for state in RowState:
                rows.add_metric([state.value, channel], counts.get((state.value, channel), 0))
            sent.add_metric([channel], counts.get((RowState.SENT.value, channel), 0))
        for bounce_kind, bounce_reason, count in sorted(by_reason):
            bounces.add_metric([bounce_kind, bounce_reason], count)
        for campaign_state in CampaignState:
            campaigns.add_metric([campaign_state.value], by_campaign.get(campaign_state.value, 0))
        return [rows, sent, bounces, campaigns]


class _ProcessMetrics(Collector):
    """This process's default registry (publisher.telemetry's metrics, the process and GC collectors)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def in_process_registry() -> CollectorRegistry:
    """A registry of the in-process metrics only: every process's with PROMETHEUS_MULTIPROC_DIR, else this one's."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    return registry


def registry_for(store: Store) -> CollectorRegistry:
    """What /metrics serves: the database's counts and the in-process metrics."""
    registry = in_process_registry()
    registry.register(StoreCollector(store))
    return registry


def exposition(store: Store) -> bytes:
    """The metrics in Prometheus text format (prometheus_client.CONTENT_TYPE_LATEST), read now."""
    return generate_latest(registry_for(store))
