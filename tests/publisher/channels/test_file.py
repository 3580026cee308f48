import json
import mailbox
import threading
from pathlib import Path

from publisher.channels import Email, Post
from publisher.channels.file import FileChannel


def test_emails_land_in_a_maildir(tmp_path: Path):
    channel = FileChannel(tmp_path / "outbox")
    raw = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: s\r\n\r\nbody\r\n"
    result = channel.send(Email(message_id="<1@x>", sender="a@example.org", recipient="b@example.org", raw=raw))
    channel.close()

    box = mailbox.Maildir(tmp_path / "outbox" / "maildir", create=False)
    assert len(box) == 1
    assert next(iter(box))["Subject"] == "s"
    assert result.provider_id == "<1@x>"
    assert Path(result.url).exists()


def test_each_mail_carries_its_envelope_as_a_delivery_agent_writes_it(tmp_path: Path):
    channel = FileChannel(tmp_path / "outbox")
    raw = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: s\r\n\r\nbody\r\n"
    sender = "bounces+c1.r2.0123456789ab@example.org"  # a VERP return path
    channel.send(Email(message_id="<1@x>", sender=sender, recipient="b@example.org", raw=raw))
    channel.close()

    [message] = mailbox.Maildir(tmp_path / "outbox" / "maildir", create=False)
    assert (message["Return-Path"], message["Delivered-To"]) == (f"<{sender}>", "b@example.org")
    assert message.get_payload() == "body\r\n" or message.get_payload().strip() == "body"


def test_posts_from_concurrent_writers_are_whole_json_lines(tmp_path: Path):
    channel = FileChannel(tmp_path / "outbox")
    text = "é" * 3000

    def write(n: int) -> None:
        for i in range(20):
            channel.send(Post(text=text, url=f"https://x/{n}/{i}", title="t", summary="s", idempotency_key=f"{n}-{i}"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    lines = (tmp_path / "outbox" / "shares.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 80
    assert {json.loads(line)["idempotency_key"] for line in lines} == {f"{n}-{i}" for n in range(4) for i in range(20)}
