"""Posting a thread: the parts not yet posted, in order, each replying to the one before.

The channel says how one part is posted (`send_part`, given the parts already posted: the thread's root
and the parent to reply to); this loop skips what `Post.progress` says is posted, and when a part fails it
hangs the refs posted so far on the error (`ChannelError.progress`), so the worker records them before the
row is retried and the retry continues from that part, never posting an earlier one again. A channel
may set the error's progress itself, naming the key the failed part was sent with (`pending`: Bluesky).
"""

from __future__ import annotations

from collections.abc import Callable

from publisher.channels.base import ChannelError, Part, PartRef, Post, Result, ThreadProgress

SendPart = Callable[[int, Part, ThreadProgress], PartRef]


def post_parts(post: Post, send_part: SendPart) -> Result:
    """Post the parts `post.progress` does not hold yet; the Result names the first part (the thread's root).

    `send_part(index, part, done)` posts part `index` (0 is the first) replying to `done.posted[-1]`.
    """
    parts = post.parts
    posted = list(post.progress.posted[: len(parts)])
    pending = post.progress.pending  # only the first part sent now can be the one whose answer was lost
    for index in range(len(posted), len(parts)):
        try:
            ref = send_part(index, parts[index], ThreadProgress(tuple(posted), pending))
        except ChannelError as exc:
            if exc.progress is None and posted:  # a channel may have set it, with the part's pending key
                exc.progress = ThreadProgress(tuple(posted))
            raise
        posted.append(ref)
        pending = None
    root = posted[0]
    progress = ThreadProgress(tuple(posted)) if len(parts) > 1 else None
    return Result(status="sent", provider_id=root.id, url=root.url, progress=progress)
