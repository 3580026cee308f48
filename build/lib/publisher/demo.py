"""`publisher demo`: the main job end to end, with nothing to install.

Imports the seed article, adds demo subscribers, mails the digest through a real Celery worker process
to the file channel (a Maildir), shares the article to the file channel, and prints where it all went.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from publisher import campaigns, importers, library, runtime, shipped, subscribers
from publisher.campaigns import service
from publisher.config import Settings
from publisher.progress import follow

SEED = shipped.examples_dir() / "articles" / "us-rejects-netanyahu-request.txt"
LIST = "demo"


def demo_env(data_dir: Path) -> dict[str, str]:
    """The embedded default, whatever the caller's environment says."""
    return {
        "PUBLISHER_DATA_DIR": str(data_dir),
        "PUBLISHER_DATABASE_URL": f"sqlite:///{data_dir / 'publisher.db'}",
        "PUBLISHER_BROKER_URL": "filesystem://",
        "PUBLISHER_SMTP_HOST": "",
        "PUBLISHER_FROM": "Publisher Demo <newsletter@demo.example>",
    }


def run_demo(out: Console, err: Console, data_dir: Path, count: int) -> bool:
    """Run the demo; True when every email and the share post were delivered."""
    started = time.monotonic()
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    env = demo_env(data_dir)
    settings = Settings(
        data_dir=data_dir,
        database_url=env["PUBLISHER_DATABASE_URL"],
        broker_url="filesystem://",
        smtp_host=None,
        PUBLISHER_FROM=env["PUBLISHER_FROM"],
    )
    services = runtime.build(settings)  # the demo's own composition root: its settings, not the caller's
    store = services.store

    article = importers.load(SEED, services.settings.language)
    [(article_id, _)] = library.save_articles(store, [article])
    out.print(f"imported [bold]{article.title}[/] as article {article_id} ({len(article.paragraphs)} paragraphs)")

    people = [subscribers.NewSubscriber(f"reader{i:05d}@demo.example", f"Reader {i}") for i in range(1, count + 1)]
    subscribers.add_to_list(store, LIST, people, source="demo")
    out.print(f"added {count:,} subscribers to list {LIST!r}")

    log_path = data_dir / "worker.log"
    worker = runtime.spawn_worker(env, concurrency=2, log_path=log_path)
    out.print(f"started a Celery worker (pid {worker.pid}, log {log_path})")
    try:
        send_id = service.send_digest(services, [article_id], LIST)
        sent = follow(err, campaigns.watch(store, send_id, timeout=90), "sending digest")
        share_id = service.share(services, article_id, ["file"])
        shared = follow(err, campaigns.watch(store, share_id, timeout=30), "sharing")
    finally:
        runtime.stop_worker(worker)
        services.close()

    maildir = settings.outbox_dir / "maildir" / "new"
    shares = settings.outbox_dir / "shares.jsonl"
    files = len(list(maildir.iterdir())) if maildir.exists() else 0
    posts = shares.read_text().splitlines() if shares.exists() else []
    table = Table(title=f"demo finished in {time.monotonic() - started:.1f} s")
    table.add_column("what")
    table.add_column("delivered", justify="right")
    table.add_column("where")
    table.add_row(f"digest (campaign {send_id})", f"{sent.counts['sent']:,} of {sent.total:,}", str(maildir))
    table.add_row(f"share post (campaign {share_id})", f"{shared.counts['sent']} of {shared.total}", str(shares))
    out.print(table)
    if posts:
        out.print("the share post:", style="bold")
        out.print(json.loads(posts[-1])["text"], markup=False)
    ok = sent.counts["sent"] == count == files and shared.counts["sent"] == 1 and len(posts) == 1
    if not ok:
        err.print(f"[red]demo incomplete: see {log_path}[/]")
        return ok
    out.print(
        f"\nbrowse the result in the web app: PUBLISHER_DATA_DIR={data_dir} publisher serve\n"
        "  then http://127.0.0.1:8000/ (public pages) and http://127.0.0.1:8000/editor "
        "(after `publisher users add NAME` with the same PUBLISHER_DATA_DIR)",
        markup=False,
    )
    return ok
