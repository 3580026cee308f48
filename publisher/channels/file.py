"""The file channel: emails into a Maildir, share posts as JSON lines. The demo's delivery target."""

from __future__ import annotations

import json
import mailbox
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from publisher.channels.account import Account
from publisher.channels.base import Channel, Email, Message, PermanentError, Post, Result
from publisher.config import Settings


class FileChannel(Channel):
    """Writes each email as an .eml in `<dir>/maildir/new` and each post as a line of `<dir>/shares.jsonl`."""

    network = "file"

    def __init__(self, directory: Path, *, name: str = "file") -> None:
        self.name = name
        self.directory = directory
        self.maildir_path = directory / "maildir"
        self.shares_path = directory / "shares.jsonl"
        self._maildir: mailbox.Maildir | None = None

    @classmethod
    def from_settings(cls, name: str, settings: Settings, account: Account | None) -> Self:
        return cls(settings.outbox_dir, name=name)

    def send(self, message: Message) -> Result:
        if isinstance(message, Email):
            return self._deliver_email(message)
        if not isinstance(message, Post):  # an event webhook goes to its endpoint (the hook channel)
            raise PermanentError("the file channel writes emails and share posts, not event webhooks")
        return self._append_post(message)

    def _deliver_email(self, message: Email) -> Result:
        if self._maildir is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._maildir = mailbox.Maildir(self.maildir_path, create=True)
        # As a delivery agent does: the envelope (our VERP return path, the recipient) on top of the message.
        envelope = f"Return-Path: <{message.sender}>\r\nDelivered-To: {message.recipient}\r\n".encode()
        key = self._maildir.add(envelope + message.raw)
        return Result(status="sent", provider_id=message.message_id, url=str(self.maildir_path / "new" / key))

    def _append_post(self, post: Post) -> Result:
        self.directory.mkdir(parents=True, exist_ok=True)
        record = {"posted_at": datetime.now(UTC).isoformat(), **post.payload()}
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        # One write on an O_APPEND descriptor, so lines from concurrent workers never interleave.
        fd = os.open(self.shares_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        return Result(status="sent", provider_id=post.idempotency_key, url=f"file://{self.shares_path}")

    def close(self) -> None:
        self._maildir = None
