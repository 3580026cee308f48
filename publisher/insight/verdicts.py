"""People or machines (issue 15): the verdict on one open or click, decided when it arrives, with its reason.

A pure function of what the request and the store say at that moment; nothing of the request (IP, user
agent) is kept beyond the verdict. The rules, first match wins:

- ``honeypot``: the hidden link no reader can see or reach was followed.
- ``head``: a HEAD request (link checkers ask whether a URL exists; a browser following a link GETs).
- ``apple-mpp`` (opens): Apple Mail Privacy Protection fetches every pixel from Apple's egress range
  (17.0.0.0/8) with the bare user agent "Mozilla/5.0".
- ``google-proxy``: Gmail's image proxy ("GoogleImageProxy", "via ggpht.com").
- ``yahoo-proxy``: "YahooMailProxy".
- ``outlook-proxy``: Outlook's mobile apps and Outlook.com fetch images on Microsoft's servers
  ("Outlook-iOS", "Outlook-Android", the Outlook.com proxy's "... Edge/12.246 Mozilla/5.0").
- ``scanner-agent``: a link scanner's own user agent (Barracuda, Mimecast, Proofpoint, Safe Links, ...).
- ``scanner-range``: Microsoft's Exchange Online Protection ranges, where Safe Links fetches from.
- ``link-preview``: a network's link-preview fetcher following a share post's link (issue 15): Mastodon
  instances fetch every link they federate ("http.rb/5.1.0 (Mastodon/4.0.2; +https://instance/) Bot"),
  Bluesky's card service ("... compatible; Bluesky Cardyb/1.1; ..."), Twitterbot, facebookexternalhit,
  LinkedInBot, Meta's meta-externalagent (Threads). "Threads" and "Instagram" alone are not matched: their
  in-app browsers, where people click, carry them too.
- ``early-click``: a click within PUBLISHER_TRACKING_EARLY_CLICK_SECONDS (10 s) of the delivery.
- ``click-burst``: a third click of one message within a second (a scanner follows every link at once).
- ``bot``: an empty user agent, a script or crawler (curl, python-requests, "bot", "spider", ...).
- else a person: ``browser``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["human", "machine"]

APPLE_RANGES = (ipaddress.ip_network("17.0.0.0/8"),)
# Exchange Online Protection (Microsoft's published ranges) and 40.94.0.0/16, where Safe Links was seen fetching from.
MICROSOFT_SCANNER_RANGES = tuple(
    ipaddress.ip_network(n)
    for n in ("40.92.0.0/15", "40.94.0.0/16", "40.107.0.0/16", "52.100.0.0/14", "104.47.0.0/17", "2a01:111:f400::/48")
)
SCANNER_AGENTS = ("barracuda", "mimecast", "proofpoint", "safelinks", "urldefense", "forcepoint", "trend micro")
BOT_AGENTS = (
    "bot",
    "spider",
    "crawl",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "httpx",
    "aiohttp",
    "go-http-client",
    "java/",
    "okhttp",
    "headless",
    "scanner",
)
# Lower-cased fragments of link-preview fetchers' user agents; each entry matches when all its parts are there.
PREVIEW_AGENTS: tuple[tuple[str, ...], ...] = (
    ("mastodon/", "http.rb"),
    ("bluesky cardyb",),
    ("twitterbot",),
    ("facebookexternalhit",),
    ("linkedinbot",),
    ("meta-externalagent",),
)
BURST_CLICKS = 3  # this many clicks of one message within BURST_SECONDS: a scanner
BURST_SECONDS = 1.0


@dataclass(frozen=True)
class Facts:
    """What one request and the store say when an open or click arrives."""

    kind: Literal["open", "click"]
    method: str
    user_agent: str
    ip: str
    since_delivery: float | None  # seconds since the message was sent (None: not known)
    recent_clicks: Sequence[float] = ()  # seconds ago, this message's clicks in the last minute
    honeypot: bool = False
    early_click_seconds: float = 10.0


def _in(ip: str, ranges: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in network for network in ranges)


def _proxy(agent: str) -> str | None:
    lowered = agent.lower()
    if "googleimageproxy" in lowered or "ggpht.com" in lowered:
        return "google-proxy"
    if "yahoomailproxy" in lowered:
        return "yahoo-proxy"
    if "outlook-ios" in lowered or "outlook-android" in lowered or agent.endswith("Edge/12.246 Mozilla/5.0"):
        return "outlook-proxy"
    if any(name in lowered for name in SCANNER_AGENTS):
        return "scanner-agent"
    if any(all(part in lowered for part in parts) for parts in PREVIEW_AGENTS):
        return "link-preview"
    return None


def verdict(facts: Facts) -> tuple[Verdict, str]:
    """("human" | "machine", the reason's slug) for one event."""
    agent = facts.user_agent.strip()
    if facts.honeypot:
        return "machine", "honeypot"
    if facts.method.upper() == "HEAD":
        return "machine", "head"
    if facts.kind == "open" and (agent == "Mozilla/5.0" or _in(facts.ip, APPLE_RANGES)):
        return "machine", "apple-mpp"
    proxy = _proxy(agent)
    if proxy is not None:
        return "machine", proxy
    if _in(facts.ip, MICROSOFT_SCANNER_RANGES):
        return "machine", "scanner-range"
    if facts.kind == "click":
        if facts.since_delivery is not None and facts.since_delivery < facts.early_click_seconds:
            return "machine", "early-click"
        if sum(1 for ago in facts.recent_clicks if ago <= BURST_SECONDS) + 1 >= BURST_CLICKS:
            return "machine", "click-burst"
    if not agent or any(name in agent.lower() for name in BOT_AGENTS):
        return "machine", "bot"
    return "human", "browser"
