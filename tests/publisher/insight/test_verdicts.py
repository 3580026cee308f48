"""People or machines: one verdict and reason per rule, decided from the request and the message's history."""

from __future__ import annotations

import pytest

from publisher.insight.verdicts import Facts, verdict

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
GMAIL = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
YAHOO = "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
HOME_IP = "203.0.113.7"


def facts(kind: str = "click", **changes: object) -> Facts:
    base: dict[str, object] = {
        "kind": kind,
        "method": "GET",
        "user_agent": CHROME,
        "ip": HOME_IP,
        "since_delivery": 3600.0,
    }
    return Facts(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (facts("click"), ("human", "browser")),
        (facts("open", user_agent=IPHONE), ("human", "browser")),
        (facts("click", honeypot=True), ("machine", "honeypot")),
        (facts("click", method="HEAD"), ("machine", "head")),
        (facts("open", user_agent="Mozilla/5.0", ip="198.51.100.1"), ("machine", "apple-mpp")),
        (facts("open", user_agent=IPHONE, ip="17.58.101.4"), ("machine", "apple-mpp")),
        (facts("open", user_agent=GMAIL), ("machine", "google-proxy")),
        (facts("open", user_agent=YAHOO), ("machine", "yahoo-proxy")),
        (facts("open", user_agent="Outlook-iOS/709.2226530.prod.iphone (3.24.1)"), ("machine", "outlook-proxy")),
        (facts("click", user_agent="Barracuda Sentinel (EE)"), ("machine", "scanner-agent")),
        (facts("click", user_agent="Mozilla/5.0 Mimecast URL Protect"), ("machine", "scanner-agent")),
        (facts("click", ip="40.94.16.23"), ("machine", "scanner-range")),
        (facts("click", ip="40.107.235.9"), ("machine", "scanner-range")),
        (facts("click", since_delivery=2.0), ("machine", "early-click")),
        (facts("click", recent_clicks=(0.2, 0.5)), ("machine", "click-burst")),
        (facts("click", user_agent="python-requests/2.32.3"), ("machine", "bot")),
        (facts("click", user_agent="curl/8.5.0"), ("machine", "bot")),
        (facts("open", user_agent="Googlebot/2.1 (+http://www.google.com/bot.html)"), ("machine", "bot")),
        (facts("click", user_agent=""), ("machine", "bot")),
    ],
    ids=lambda v: v[1] if isinstance(v, tuple) else "",
)
def test_each_rule(case: Facts, expected: tuple[str, str]):
    assert verdict(case) == expected


def test_a_click_after_the_early_window_is_a_person():
    assert verdict(facts("click", since_delivery=11.0)) == ("human", "browser")
    assert verdict(facts("click", since_delivery=5.0, early_click_seconds=2.0)) == ("human", "browser")


def test_two_clicks_in_a_second_are_a_person_reading_three_are_a_scanner():
    assert verdict(facts("click", recent_clicks=(0.4,))) == ("human", "browser")
    assert verdict(facts("click", recent_clicks=(0.4, 5.0, 30.0))) == ("human", "browser")
    assert verdict(facts("click", recent_clicks=(0.4, 0.9))) == ("machine", "click-burst")


def test_apples_bare_agent_marks_opens_not_clicks():
    """MPP fetches pixels; a click from Apple's range with a browser agent is a person on Apple's network."""
    assert verdict(facts("click", ip="17.58.101.4", user_agent=IPHONE)) == ("human", "browser")


def test_an_ip_that_is_not_one_is_no_range():
    assert verdict(facts("click", ip="unknown")) == ("human", "browser")


# Link-preview fetchers of the networks a share post goes to, as they announce themselves.
PREVIEWS = {
    "mastodon": "http.rb/5.1.0 (Mastodon/4.0.2; +https://freiburg.social/) Bot",
    "bluesky": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Bluesky Cardyb/1.1; "
    "+mailto:support@bsky.app) Chrome/W.X.Y.Z Safari/537.36",
    "x": "Twitterbot/1.0",
    "facebook": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "linkedin": "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "threads": "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
}


@pytest.mark.parametrize("network", sorted(PREVIEWS))
def test_a_networks_link_preview_fetcher_is_a_machine_however_late(network: str):
    assert verdict(facts("click", user_agent=PREVIEWS[network], since_delivery=86400.0)) == ("machine", "link-preview")


def test_a_person_in_the_threads_or_instagram_app_browser_is_a_person():
    in_app = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Mobile/15E148 Barcelona 340.0.0.22.109 (iPhone15,2; iOS 17_5; en_US; en; scale=3.00) Threads"
    )

    assert verdict(facts("click", user_agent=in_app)) == ("human", "browser")


def test_mastodon_in_a_browsers_agent_alone_is_no_preview_fetcher():
    agent = f"{CHROME} Mastodon/4.2"  # no http.rb: not the server's fetcher

    assert verdict(facts("click", user_agent=agent)) == ("human", "browser")
