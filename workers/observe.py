"""Watching the workers: their log lines (PUBLISHER_LOG_FORMAT), task retries counted, a metrics exporter.

Celery's setup_logging signal hands the worker's logging to publisher.logs.setup_logging (text or JSON
lines on stderr), so Celery configures nothing of its own. With PUBLISHER_METRICS_PORT set, the worker's
main process serves its in-process metrics (publisher.telemetry) at http://HOST:PORT/metrics; with a pool
of processes (prefork, the default) PROMETHEUS_MULTIPROC_DIR must name an empty directory shared by them,
so the pool's metrics are added up there. The database's counts are the web app's /metrics, not these.
"""

from __future__ import annotations

import logging
import os
import sys
from wsgiref.simple_server import WSGIServer

from celery.signals import setup_logging, task_retry, worker_init, worker_process_shutdown
from prometheus_client import multiprocess, start_http_server

from publisher import logs, telemetry
from publisher.config import Settings
from publisher.insight.metrics import MULTIPROC_ENV, in_process_registry

log = logging.getLogger(__name__)


@setup_logging.connect
def _logging(loglevel: int | str | None = None, **_: object) -> None:
    # The stream now: Celery then redirects sys.stderr into logging, which must not write back to itself.
    logs.setup_logging(Settings().log_format, loglevel or logging.INFO, stream=sys.stderr)


@task_retry.connect
def _count_retry(sender: object = None, **_: object) -> None:
    telemetry.task_retried(getattr(sender, "name", None) or "unknown")


@worker_init.connect
def _serve_metrics(sender: object = None, **_: object) -> WSGIServer | None:
    """Serve the worker's metrics on PUBLISHER_METRICS_PORT (every address) from a daemon thread; the server."""
    port = Settings().metrics_port
    if port is None:
        return None
    if not os.environ.get(MULTIPROC_ENV):
        log.warning(
            "PUBLISHER_METRICS_PORT without %s: only this process's metrics are served, not its pool's", MULTIPROC_ENV
        )
    server, _thread = start_http_server(port, registry=in_process_registry())
    log.info("worker metrics on port %d at /metrics", port)
    return server


@worker_process_shutdown.connect
def _forget_process(pid: int | None = None, **_: object) -> None:
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid or os.getpid())
