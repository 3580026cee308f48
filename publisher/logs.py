"""Logging for every process (CLI, web, workers): one setup function, text or JSON lines, with context.

PUBLISHER_LOG_FORMAT=json writes one JSON object a line on stderr: ts, level, logger, message, and the
context fields known where the record was made (campaign_id, batch_id, task_id, channel), bound with
`bound(...)` by the Celery task wrappers and by delivery. The context lives in contextvars, so threads and
tasks never see each other's. Nothing here reads settings: a settings dump can never end up in a line.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal, TextIO

LogFormat = Literal["json", "text"]
CONTEXT_FIELDS = ("campaign_id", "batch_id", "task_id", "channel")
_CONTEXT: ContextVar[dict[str, object]] = ContextVar("publisher_log_context", default={})  # noqa: B039 - never mutated


@contextmanager
def bound(**fields: object) -> Iterator[None]:
    """Add these context fields (None ones are left out) to every record logged inside the block."""
    unknown = set(fields) - set(CONTEXT_FIELDS)
    if unknown:
        raise ValueError(f"unknown log context fields: {', '.join(sorted(unknown))} (known: {CONTEXT_FIELDS})")
    token = _CONTEXT.set({**_CONTEXT.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def batch_id(first_id: int, last_id: int) -> str:
    """How a log line names a batch: its first and last outbox row ids, "120-619"."""
    return f"{first_id}-{last_id}"


def context() -> dict[str, object]:
    """The context fields bound here and now."""
    return dict(_CONTEXT.get())


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts (UTC, ISO 8601), level, logger, message, context fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_CONTEXT.get())
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`2026-12-01 19:52:13,042 INFO publisher.delivery.batch: message [campaign_id=3 channel=smtp]`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = _CONTEXT.get()
        if not fields:
            return text
        head, newline, rest = text.partition("\n")  # the context after the message, before a traceback
        return f"{head} [{' '.join(f'{k}={v}' for k, v in fields.items())}]{newline}{rest}"


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record comes (a test runner may swap it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def setup_logging(
    fmt: LogFormat = "text",
    level: int | str = logging.INFO,
    *,
    stream: TextIO | None = None,
    adopt: tuple[str, ...] = (),
) -> None:
    """Send the root logger's records to stderr (or stream) in this format; calling it again replaces ours.

    adopt names loggers that someone else gave handlers of their own (uvicorn's, when it configured its
    logging before the app was made): their handlers are dropped and their records come through ours.
    """
    if fmt not in ("json", "text"):
        raise ValueError(f"PUBLISHER_LOG_FORMAT is json or text: {fmt!r}")
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_publisher", False)]:
        root.removeHandler(old)
    handler: logging.Handler = _Stderr() if stream is None else logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler._publisher = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in adopt:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.disabled = False  # a dictConfig with disable_existing_loggers (uvicorn's, Celery's) turns them off
        logger.setLevel(logging.NOTSET)
