"""Child process of the delivery benchmark: create a campaign for a big list and queue every batch.

Run as `python -m benchmarks.enqueue LIST`, with PUBLISHER_DATABASE_URL and PUBLISHER_BROKER_URL set; prints
{"seconds": ..., "peak_rss_mb": ..., "batches": ...} as JSON. Its own process, so its peak RSS is its own.
"""

from __future__ import annotations

import json
import sys
import time

from benchmarks.rss import peak_rss_mb
from publisher import campaigns
from publisher.config import Settings
from publisher.store import Store
from workers.dispatch import CeleryDispatcher


def main() -> None:
    list_name, article_id = sys.argv[1], int(sys.argv[2])
    settings = Settings()
    store = Store(settings.resolved_database_url)
    dispatcher = CeleryDispatcher(settings)
    start = time.perf_counter()
    campaign_id = campaigns.create_email_campaign(store, settings, [article_id], list_name)
    batches = campaigns.dispatch(store, settings, dispatcher, campaign_id)
    seconds = time.perf_counter() - start
    dispatcher.close()
    peak = peak_rss_mb()
    print(json.dumps({"seconds": round(seconds, 2), "peak_rss_mb": round(peak, 1), "batches": batches}))


if __name__ == "__main__":
    main()
