"""publisher: import articles, mail digests to subscribers, share posts to social networks."""

__version__ = "0.1.0"
