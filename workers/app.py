"""The Celery app, configured from publisher's settings.

Start a worker with `publisher worker` (or `celery -A workers.app worker`). The broker defaults to kombu's
filesystem transport in the data directory; PUBLISHER_BROKER_URL switches to Redis or RabbitMQ.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from publisher.channels import QUEUES
from publisher.config import Settings
from workers import observe  # noqa: F401 - connects the logging, retry and metrics signals before a worker starts
from workers.broker import ALIAS as FILESYSTEM_ALIAS
from workers.broker import register as register_filesystem_transport

# Tasks must finish well inside the broker's redelivery window (Redis visibility timeout, RabbitMQ
# consumer_timeout of 30 min), or an unacknowledged task is handed to a second worker.
TASK_TIME_LIMIT = 900
VISIBILITY_TIMEOUT = 3600


def celery_config(settings: Settings) -> dict[str, Any]:
    """Celery settings for at-least-once delivery: the outbox holds state, the broker only wakes workers."""
    url = settings.resolved_broker_url
    config: dict[str, Any] = {
        "broker_url": url,
        "broker_connection_retry_on_startup": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "task_time_limit": TASK_TIME_LIMIT,
        "task_soft_time_limit": TASK_TIME_LIMIT - 60,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "task_default_queue": "email",
        "task_create_missing_queues": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "worker_hijack_root_logger": False,
        "broker_transport_options": {"visibility_timeout": VISIBILITY_TIMEOUT},
    }
    if url.startswith("filesystem://"):
        folder = settings.broker_dir
        for sub in ("queue", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        # Our subclass of kombu's filesystem transport: atomic writes, unreadable messages set aside.
        register_filesystem_transport()
        config["broker_url"] = FILESYSTEM_ALIAS + url[len("filesystem") :]
        config["broker_transport_options"] = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
            "polling_interval": 0.2,
        }
        # Remote control needs broadcast, which the filesystem transport only half supports.
        config["worker_enable_remote_control"] = False
        config["worker_send_task_events"] = False
    return config


def create_app(settings: Settings | None = None) -> Celery:
    """A Celery app for these settings (the environment's when none are given)."""
    settings = settings or Settings()
    app = Celery("publisher", set_as_current=False, include=["workers.tasks"])
    app.config_from_object(celery_config(settings))
    return app


def worker_argv(concurrency: int | None = None, loglevel: str = "INFO") -> list[str]:
    """The arguments `publisher worker` passes to Celery: every queue, no gossip or mingle chatter."""
    argv = ["worker", "-Q", ",".join(QUEUES), "-l", loglevel, "--without-gossip", "--without-mingle"]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    return argv


app = create_app()
