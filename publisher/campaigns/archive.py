"""A sent digest as readers see it on the site ("View in browser"): the mail, without its personal parts.

The digest template marks what belongs to one reader (the greeting, "You receive this because ...", the
preferences and unsubscribe links) between `<!--personal-->` and `<!--/personal-->`; the public copy
leaves those out and blanks any other personal field, so the page is the same rendering as the mail and
names nobody.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape

from sqlalchemy import select

from publisher.render.email import placeholder_pattern
from publisher.states import CampaignKind, CampaignState
from publisher.store import Store
from publisher.store.insight import TrackedLink
from publisher.store.models import Campaign

_PERSONAL = re.compile(r"<!--personal-->.*?<!--/personal-->", re.DOTALL)
# Once a digest has started going out, its "View in browser" link must work, paused or finished.
WENT_OUT = (CampaignState.SENDING, CampaignState.PAUSED, CampaignState.DONE)


def public_copy(html: str, key: str, links: Mapping[int, str] | None = None) -> str:
    """The digest's HTML with every personal part removed and any other personal field blanked; a tracked
    link (render.tracked: R<position>) goes straight to its URL (links: position -> URL), never via /r/."""
    shown = _PERSONAL.sub("", html)
    if not key:
        return shown
    urls = links or {}

    def fill(match: re.Match[str]) -> str:
        field = match.group(1)
        return escape(urls.get(int(field[1:]), "")) if field.startswith("R") else ""

    return placeholder_pattern(key).sub(fill, shown)


def sent_digest_html(store: Store, campaign_id: int) -> str | None:
    """The public copy of a digest that went out (at least in part), or None."""
    with store.session() as session:
        campaign = session.scalar(
            select(Campaign).where(
                Campaign.id == campaign_id, Campaign.kind == CampaignKind.EMAIL, Campaign.state.in_(WENT_OUT)
            )
        )
        if campaign is None or not campaign.body_html:
            return None
        links = dict(
            session.execute(
                select(TrackedLink.position, TrackedLink.url).where(TrackedLink.campaign_id == campaign_id)
            ).all()
        )
        return public_copy(campaign.body_html, campaign.render_key, links)
