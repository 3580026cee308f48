"""The in-process metrics the workers record (prometheus-client): delivery latency, sends, task retries.

Defined here, low, so delivery can observe them without knowing who exports them. They live in the
process's default registry; with PROMETHEUS_MULTIPROC_DIR set (before the process starts) prometheus-client
keeps them in files in that directory, so a worker's pool processes are added up by whoever serves them
(publisher.insight.metrics). What the database knows (outbox rows, sent totals, bounces) is read at scrape
time by publisher.insight.metrics, not counted here.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# From a chunk's claim to its outcomes recorded: a chunk is up to delivery.CHUNK rows over one connection.
DELIVERY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

DELIVERY_SECONDS = Histogram(
    "publisher_delivery_seconds",
    "Seconds from claiming a chunk of outbox rows to recording their outcomes, per channel.",
    ["channel"],
    buckets=DELIVERY_BUCKETS,
)
SENDS = Counter(
    "publisher_sends",
    "Outbox rows this process tried, by channel and the state recorded (sent, failed, suppressed, queued: deferred).",
    ["channel", "result"],
)
TASK_RETRIES = Counter("publisher_task_retries", "Celery task retries, by task name.", ["task"])


def chunk_delivered(channel: str, seconds: float, states: list[str]) -> None:
    """A chunk's outcomes are recorded: its latency and each row's resulting state."""
    DELIVERY_SECONDS.labels(channel=channel).observe(seconds)
    for state in set(states):
        SENDS.labels(channel=channel, result=state).inc(states.count(state))


def task_retried(task: str) -> None:
    TASK_RETRIES.labels(task=task).inc()
