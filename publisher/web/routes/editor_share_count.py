"""The Share page's live counter (issue 14): POST /editor/share/count counts an edited post on the server.

The browser (publisher/web/static/share-edit.js) posts the channel and the text as the page's other forms
post (csrf_token in the form) and shows the answer; the count is render.edited.count_text, the one the
share itself refuses with, so the counter and the server never disagree (twitter-text's weighted length,
a Mastodon instance's own limits, Bluesky's graphemes and bytes). The answer is JSON:
{"channel", "network", "length", "limit", "bytes", "max_bytes", "over", "over_by", "bytes_over",
"label", "problem"}. A thread (a text with `---` lines, or the form's `thread=yes`; `numbered=yes` numbers
its parts " k/n", counted as posted) answers each part's count under "parts" (with its 1-based "index"),
"over" when any part is over and "problem" naming the first ("part 2 is 12 characters over ..."), with the
same top-level keys (length: the longest part's). An empty part or too many parts is a 422 with {"problem"};
a request naming no configured channel, or a text that cannot be counted, gets a 422
with {"problem"}.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from publisher.channels import share_channels
from publisher.errors import PublisherError
from publisher.web.deps import get_settings
from publisher.web.security import CheckedForm, require_editor
from publisher.web.share_text import count_for

router = APIRouter(prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)])


@router.post("/share/count")
def count(request: Request, form: CheckedForm) -> Response:
    """One post counted for one channel, as sharing will count it."""
    settings = get_settings(request)
    channel = form.get("channel")
    text = form.get("text")
    known = share_channels(settings)
    if not isinstance(channel, str) or channel not in known:
        named = repr(channel[:60]) if isinstance(channel, str) else "none"
        return JSONResponse({"problem": f"unknown channel {named}; configured: {', '.join(known)}"}, 422)
    if not isinstance(text, str):
        return JSONResponse({"problem": "send the post's text as the field 'text'"}, 422)
    try:
        thread, numbered = form.get("thread") == "yes", form.get("numbered") == "yes"
        counted = count_for(settings, channel, text, thread=thread or numbered, numbered=numbered)
    except PublisherError as exc:
        return JSONResponse({"problem": str(exc)}, 422)
    return JSONResponse(counted.to_dict())
