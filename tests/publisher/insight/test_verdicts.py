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
