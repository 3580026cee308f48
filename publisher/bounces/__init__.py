"""Bounces and complaints: read every format, give each a reason, map it to its send, act on the reason.

- reasons.py  the vocabulary (Sisimai's), what each reason does, classify(status, reply code, words)
- report.py   Found (a block as read) and BounceReport (a block with its verdict)
- parse.py    RFC 3464 and ARF with the standard `email` package; formats/ for the MTAs' own bodies
- apply.py    believe (VERP or Message-ID, the recipient checked), store once, suppress / count / alarm
- alarms.py   sender-side bounces pause their campaign
- intake.py   one message, a Maildir or an mbox, the List-Unsubscribe mailto
"""

from publisher.bounces.alarms import Alarm, alarm_of, check_campaign
from publisher.bounces.apply import MESSAGE_ID, Outcome, apply, record
from publisher.bounces.intake import IngestReport, ingest_mailbox, ingest_message, ingest_raw, mailto_unsubscribe
from publisher.bounces.parse import parse_report
from publisher.bounces.reasons import EFFECTS, REASONS, Verdict, classify, effect_of, label_of
from publisher.bounces.report import KINDS, BounceReport, Found, verdict_report

__all__ = [
    "EFFECTS",
    "KINDS",
    "MESSAGE_ID",
    "REASONS",
    "Alarm",
    "BounceReport",
    "Found",
    "IngestReport",
    "Outcome",
    "Verdict",
    "alarm_of",
    "apply",
    "check_campaign",
    "classify",
    "effect_of",
    "ingest_mailbox",
    "ingest_message",
    "ingest_raw",
    "label_of",
    "mailto_unsubscribe",
    "parse_report",
    "record",
    "verdict_report",
]
