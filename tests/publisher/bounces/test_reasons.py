"""The classifier: (status, reply code, the server's words) -> reason, hard or soft, and what the publisher does.

Read as the specification of publisher.bounces.reasons: the issue's examples first, then one row per
rule of the module docstring (sender-side words win, a specific code beats a reader-side reading, a vague
code yields to the words, the size codes decide between the two size reasons), then the vocabulary's rules.
"""

from __future__ import annotations

import pytest

from publisher.bounces import REASONS, classify
from publisher.bounces.reasons import by_status, by_wording, decide, effect_of, hard_of, reply_code_of, status_of

ROWS = [
    # (status, reply, diagnostic) -> (reason, hard, effect)
    # The examples: the sender's problem or a temporary one, never a bad address.
    (("5.7.1", "550", "550 5.7.1 Service unavailable; your IP is on a blocklist"), ("blocked", False, "sender")),
    (("5.7.1", "554", "554 5.7.1 Message rejected as spam"), ("spamdetected", False, "sender")),
    (("5.7.1", "550", "550 5.7.1 Message refused: policy violation"), ("policyviolation", False, "sender")),
    (("4.7.0", "421", "421 4.7.0 Too many connections from your host"), ("toomanyconn", False, "sender")),
    (("4.4.7", None, "message expired after 5 days"), ("expired", False, "count")),
    (("5.4.7", None, "delivery time expired"), ("expired", False, "count")),
    # Bad addresses: suppressed at once.
    (
        ("5.1.1", "550", "550 5.1.1 <a@example.com>: Recipient address rejected: User unknown"),
        ("userunknown", True, "suppress"),
    ),
    (("5.1.2", "550", "Host unknown (Name server: example.net: host not found)"), ("hostunknown", True, "suppress")),
    (("5.4.4", None, "Host or domain name not found. Name service error"), ("hostunknown", True, "suppress")),
    (("5.1.6", "551", "551 5.1.6 Recipient has moved; forwarding address unknown"), ("hasmoved", True, "suppress")),
    (("5.1.10", "556", "556 5.1.10 Recipient address has null MX"), ("notaccept", True, "suppress")),
    (("4.1.10", None, "Domain example.net does not accept mail (nullMX)"), ("notaccept", False, "suppress")),
    (("5.0.0", "550", "550 No such user here"), ("userunknown", True, "suppress")),
    (
        ("5.0.0", "554", "554 delivery error: dd This user doesn't have a yahoo.com account"),
        ("userunknown", True, "suppress"),
    ),
    (("5.1.1", "550", "550 5.1.1 Benutzer unbekannt"), ("userunknown", True, "suppress")),
    (("5.0.0", "550", "550 El usuario no existe"), ("userunknown", True, "suppress")),
    # Reader-side trouble: counted.
    (("4.2.2", "452", "452 4.2.2 The recipient's inbox is out of storage space"), ("mailboxfull", False, "count")),
    (("5.0.0", "552", "552 Postfach voll"), ("mailboxfull", False, "count")),
    (("5.2.1", "550", "The email account that you tried to reach is disabled"), ("suspend", False, "count")),
    (("4.3.1", "452", "452 4.3.1 Insufficient system storage"), ("systemfull", False, "count")),
    (("5.0.0", "550", "blocked by the recipient's mail filter"), ("filtered", False, "count")),
    (("5.4.6", None, "mail forwarding loop for a@example.com"), ("networkerror", False, "count")),
    (("5.3.5", "554", "554 5.3.5 Local configuration error"), ("systemerror", False, "count")),
    (("5.3.0", None, "Command died with status 1: procmail"), ("mailererror", False, "count")),
    (("5.0.0", "550", "550 Requested action not taken"), ("undefined", True, "count")),
    (("4.0.0", "451", ""), ("undefined", False, "count")),
    ((None, None, None), ("onhold", False, "count")),
    # Sender-side: never suppresses the reader.
    (("5.7.1", "554", "Client host [192.0.2.25] blocked using zen.spamhaus.org"), ("blocked", False, "sender")),
    (("5.7.606", "550", "550 5.7.606 Access denied, banned sending IP [192.0.2.25]"), ("blocked", False, "sender")),
    (("5.7.1", "550", "part of their network is on our block list (S3150)"), ("blocked", False, "sender")),
    (
        (
            "4.7.0",
            "421",
            "421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred due to unexpected volume or "
            "user complaints",
        ),
        ("blocked", False, "sender"),
    ),
    (
        ("5.7.1", "550", "Our system has detected that this message is likely unsolicited mail"),
        ("spamdetected", False, "sender"),
    ),
    (
        (
            "5.7.26",
            "550",
            "This mail has been blocked because the sender is unauthenticated. Gmail requires all senders "
            "to authenticate with either SPF or DKIM",
        ),
        ("securityerror", False, "sender"),
    ),
    (
        ("5.7.509", "550", "Access denied, sending domain [EXAMPLE.ORG] does not pass DMARC verification"),
        ("securityerror", False, "sender"),
    ),
    (("5.7.0", "530", "530 5.7.0 Must issue a STARTTLS command first"), ("securityerror", False, "sender")),
    (("5.1.8", "553", "553 5.1.8 Sender address rejected: Domain not found"), ("rejected", False, "sender")),
    (("5.7.27", "550", "550 5.7.27 Sender address has null MX"), ("rejected", False, "sender")),
    (("5.7.0", "554", "554 Message rejected because it contains malware"), ("virusdetected", False, "sender")),
    (("5.3.4", "552", "552 5.3.4 Message size exceeds fixed limit"), ("mesgtoobig", False, "sender")),
    (
        ("5.2.3", "552", "552 5.2.3 Your message exceeded Google's message size limits"),
        ("exceedlimit", False, "sender"),
    ),
    (("5.6.0", "554", "554 5.6.0 Message contains bare LF"), ("contenterror", False, "sender")),
    (("5.5.4", "501", "501 5.5.4 Invalid command argument"), ("syntaxerror", False, "sender")),
]


@pytest.mark.parametrize(("given", "expected"), ROWS, ids=[f"{g[0]}-{(g[2] or '')[:40]}" for g, _ in ROWS])
def test_reason_hard_and_effect(given, expected):
    status, reply, diagnostic = given

    verdict = classify(status, reply, diagnostic, action="failed")

    assert (verdict.reason, verdict.hard, verdict.effect) == expected


def test_sender_side_words_win_over_a_reader_side_code():
    assert decide("5.1.1", "550", "550 5.1.1 blocked using zen.spamhaus.org") == "blocked"


def test_a_specific_code_wins_over_other_reader_side_words():
    assert decide("5.2.2", "552", "552 5.2.2 user unknown or mailbox full") == "mailboxfull"


def test_a_vague_transport_code_yields_to_the_words():
    # Microsoft's directory-based edge blocking: x.4.1 is "no answer from host" in RFC 3463.
    assert decide("5.4.1", "550", "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)") == "userunknown"


def test_sender_side_words_win_over_a_sender_side_code():
    # Yahoo's 5.7.9 (RFC 4954: mechanism too weak) with its policy words.
    assert decide("5.7.9", "554", "554 5.7.9 Message not accepted for policy reasons") == "policyviolation"


def test_the_size_codes_decide_between_the_two_size_reasons():
    assert decide("5.2.3", "552", "Message size exceeds maximum permitted") == "exceedlimit"
    assert decide("5.3.4", "552", "Message size exceeds maximum permitted") == "mesgtoobig"


def test_the_class_digit_alone_decides_nothing():
    assert by_status("5.0.0") is None and by_status("5.7.1") is None and by_status("4.0.0") is None


def test_microsofts_banned_ip_range_is_blocked():
    assert {by_status(f"5.7.{n}") for n in (606, 620, 649)} == {"blocked"}
    assert by_status("5.7.650") is None


def test_a_delay_or_a_delivery_is_no_verdict():
    assert classify("4.4.7", None, "message delayed", action="delayed") is None
    assert classify("2.0.0", "250", "OK", action="delivered") is None


def test_reply_codes_alone():
    assert decide(None, "421", None) == "toomanyconn"
    assert decide(None, "452", None) == "systemfull"
    assert decide(None, "451", None) == "systemerror"


def test_codes_are_read_from_the_words():
    assert status_of("smtp; 550 5.1.1 user unknown") == "5.1.1"
    assert reply_code_of("smtp; 550-5.1.1 user unknown") == "550"
    assert reply_code_of("5.1.1 user unknown") is None


def test_wording_is_read_whatever_the_case_and_never_from_nothing():
    assert by_wording("USER UNKNOWN") == "userunknown"
    assert by_wording("") is None and by_wording(None) is None


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_hard_only_for_the_bad_address_reasons_and_the_permanent_undecided(reason):
    hard_when_permanent = hard_of(reason, "5.0.0", "550")
    hard_when_temporary = hard_of(reason, "4.0.0", "450")

    if reason in ("userunknown", "hostunknown", "hasmoved"):
        assert hard_when_permanent and hard_when_temporary
    elif reason in ("notaccept", "onhold", "undefined"):
        assert hard_when_permanent and not hard_when_temporary
    else:
        assert not hard_when_permanent and not hard_when_temporary


def test_every_reason_has_one_of_the_effects():
    assert {effect_of(reason) for reason in REASONS} == {"suppress", "count", "sender", "complaint", "none"}
    assert effect_of("no-such-reason") == "count"  # an unknown reason is treated as undefined


def test_an_expired_action_is_a_failure():
    # Not RFC 3464's vocabulary, but SendGrid's plain bounces say "Action: expired".
    verdict = classify("4.4.7", "421", "421 4.4.7 Message expired: unable to deliver in 72 hours", action="expired")

    assert (verdict.reason, verdict.hard) == ("expired", False)


@pytest.mark.parametrize(
    ("status", "reply", "words", "reason"),
    [
        ("5.2.0", None, "550 5.2.0 <reader@example.com>... From: Domain is invalid", "rejected"),
        (
            "5.7.0",
            None,
            "550 SC-004 Mail rejected by Outlook.com for policy reasons. A block has been placed against your IP "
            "address because too many unwanted messages have been sent from the following IP address",
            "blocked",
        ),
        ("5.2.2", None, "552 5.2.2 Mailbox size limit exceeded", "mailboxfull"),
        # 5.2.1 "mailbox disabled" with "User Unknown": Sisimai reads it userunknown from Sendmail and filtered
        # from Amazon WorkMail; counting it (suspend) never suppresses a reader on one ambiguous report.
        ("5.2.1", None, "550 5.2.1 <reader@example.com>... User Unknown", "suspend"),
        (None, "550", "550 invalid RDNS record of your mail server", "securityerror"),
        (None, "550", "550 Please use the smtp server of your ISP", "blocked"),
    ],
)
def test_words_the_mta_helper_found_in_real_mail(status, reply, words, reason):
    verdict = classify(status, reply, words, action="failed")

    assert verdict is not None and verdict.reason == reason


@pytest.mark.parametrize(
    "words", ["host mx.example.com[1.2.3.4] said: 550 no such user", "Remote host [203.0.113.9] said: 550 user unknown"]
)
def test_an_ip_address_is_not_a_status_code(words):
    assert status_of(words) is None
    verdict = classify(None, None, words, action="failed")
    assert verdict is not None and verdict.reason == "userunknown"
