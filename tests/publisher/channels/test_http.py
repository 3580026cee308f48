"""The one HTTP status classifier every HTTP channel (X, Mastodon, Bluesky, webhooks) shares."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from publisher.channels import ConnectionFailed, PermanentError, TransientError, registry
from publisher.channels.http import HttpAnswer, HttpChannel, NoAnswer, Wording, classify, redact, retry_after

WHO = "X account 'x:work'"
NOW = time.time()


def _in(seconds: float) -> datetime:
    return datetime.fromtimestamp(NOW + seconds, UTC)


@pytest.mark.parametrize(
    ("outcome", "kind", "message"),
    [
        (HttpAnswer(429), TransientError, "rate limited (429)"),
        (HttpAnswer(500), TransientError, "server error (500)"),
        (HttpAnswer(502, "Bad Gateway"), TransientError, "server error (502)"),
        (HttpAnswer(503), TransientError, "server error (503)"),
        (HttpAnswer(408), TransientError, "request timeout (408)"),
        (HttpAnswer(401, "bad OAuth signature"), PermanentError, "refused (401): bad OAuth signature"),
        (HttpAnswer(403, "not allowed"), PermanentError, "forbidden (403): not allowed"),
        (HttpAnswer(400, "text is empty"), PermanentError, "post refused (400): text is empty"),
        (HttpAnswer(404), PermanentError, "post refused (404)"),
        (HttpAnswer(422, "Validation failed"), PermanentError, "post refused (422): Validation failed"),
        (HttpAnswer(302), PermanentError, "post refused (302)"),  # redirects are not followed
        (HttpAnswer(None, "unreadable answer"), PermanentError, "post refused (?): unreadable answer"),
        (NoAnswer(timed_out=True, detail="ReadTimeout"), TransientError, "timed out (ReadTimeout)"),
        (NoAnswer(timed_out=True), TransientError, "timed out"),
        (NoAnswer(timed_out=False, detail="ConnectError"), TransientError, "network error (ConnectError)"),
    ],
)
def test_each_answer_is_classified_once_for_every_network(outcome, kind, message):
    error = classify(outcome, WHO)
    assert type(error) is kind
    assert str(error) == f"{WHO}: {message}"


def test_no_answer_is_transient_but_not_a_connection_failure():
    # A timed-out post may have gone out: the idempotency key makes the retry safe, and share campaigns are
    # not paused the way a run of SMTP connection failures pauses a send.
    assert not isinstance(classify(NoAnswer(timed_out=False), WHO), ConnectionFailed)


def test_each_network_words_its_refusals_its_own_way():
    wording = Wording(unauthorized="access token refused", forbidden="refused", refused="credentials check refused")
    assert str(classify(HttpAnswer(401), WHO, wording)) == f"{WHO}: access token refused (401)"
    assert str(classify(HttpAnswer(403, "no"), WHO, wording)) == f"{WHO}: refused (403): no"
    assert str(classify(HttpAnswer(400), WHO, wording)) == f"{WHO}: credentials check refused (400)"


def test_the_servers_words_are_cut_short():
    error = classify(HttpAnswer(400, "x" * 5000), WHO)
    assert len(str(error)) < 400


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (HttpAnswer(429, headers={"Retry-After": "30"}), 30),
        (HttpAnswer(429, headers={"retry-after": format_datetime(_in(90), usegmt=True)}), 90),
        (HttpAnswer(429, headers={"x-rate-limit-reset": str(int(NOW + 120))}), 120),  # X: epoch seconds
        (HttpAnswer(429, headers={"ratelimit-reset": str(int(NOW + 60))}), 60),  # Bluesky: epoch seconds
        (HttpAnswer(429, headers={"ratelimit-reset": "45"}), 45),  # the IETF draft: seconds from now
        (HttpAnswer(429, headers={"X-RateLimit-Reset": _in(300).isoformat().replace("+00:00", "Z")}), 300),
        (HttpAnswer(429, reset_at=NOW + 200), 200),  # Mastodon.py parses the reset itself
        (HttpAnswer(429, headers={"Retry-After": "30", "x-rate-limit-reset": str(int(NOW + 999))}), 30),
        (HttpAnswer(429, headers={"x-rate-limit-reset": str(int(NOW - 50))}), 1),  # a reset just past: soon
        (HttpAnswer(429, headers={"Retry-After": "soon"}), None),
        (HttpAnswer(429), None),
    ],
)
def test_a_rate_limit_waits_for_the_reset_the_network_announced(answer, expected):
    waited = retry_after(answer, now=NOW)
    if expected is None:
        assert waited is None
    else:
        assert waited == pytest.approx(expected, abs=1.5)
    now = retry_after(answer)  # the classifier reads the clock itself
    assert classify(answer, WHO).retry_after == (None if now is None else pytest.approx(now, abs=1.5))


def test_a_server_error_with_retry_after_says_when_to_come_back():
    assert classify(HttpAnswer(503, headers={"Retry-After": "120"}), WHO).retry_after == 120


def test_a_secret_the_server_echoes_never_reaches_the_message():
    error = classify(HttpAnswer(400, "token tok-SECRET-123 is not valid here"), WHO)
    hidden = redact(error, ["tok-SECRET-123"])
    assert str(hidden) == f"{WHO}: post refused (400): token *** is not valid here"
    assert type(hidden) is PermanentError
    assert redact(error, ["not-there"]) is error
    waiting = redact(TransientError("tok-SECRET-123 waits", retry_after=9), ["tok-SECRET-123"])
    assert str(waiting) == "*** waits" and waiting.retry_after == 9


def test_every_network_with_accounts_posts_through_the_http_base():
    for declared in registry.networks():
        if declared.has_accounts:
            assert issubclass(declared.channel_class(), HttpChannel), declared.name
