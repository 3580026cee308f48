"""Insight (issue 15): opens and clicks told apart from machines, reports per campaign and post, metrics.

Above campaigns (it reads what they sent), below the interfaces. The tables are publisher.store.insight;
the modes and the reader sketch are publisher.tracking (low enough for render to rewrite links with).
"""
