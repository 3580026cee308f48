"""Why a message bounced, from a fixed vocabulary, and what that means for the reader.

The vocabulary is Sisimai's (the reference classifier among bounce parsers). A reason is decided from
everything a report says together: the MTA's own wording first (a diagnostic that says "blocked using
zen.spamhaus.org" is the sender's problem whatever the status says), then the RFC 3463 status code where
it is specific, then the SMTP reply code; never from the class digit alone (`5.7.1` is usually the
sender's problem, not a bad address).

Each reason has an effect:
- "suppress": the address is bad (user unknown, host unknown, has moved, null MX): suppressed at once.
- "count": temporary trouble on the reader's side (mailbox full, system full, suspended, expired, ...):
  counted, suppressed after PUBLISHER_SOFT_BOUNCE_LIMIT within the window.
- "sender": the sender's problem (blocked, rejected, spam detected, policy, security, too many
  connections, content): never suppresses anybody; counted against the campaign, which pauses when too
  many come back (publisher.bounces.alarms).
- "complaint": a feedback report (ARF): suppressed at once.
- "none": not a bounce (a vacation auto-reply, a delivery report).

`hard` follows Sisimai's hard/soft split: hard for user unknown, host unknown and has moved, and for a
permanent (5xx) not-accepted, on-hold or undefined failure; soft for everything else that is a failure.

When the status code and the words disagree (decide()):
1. words that name a sender-side reason (or an auto-reply) win over any code: "550 5.1.1 ... blocked using
   Spamhaus" is a blocklist, Yahoo's "554 5.7.9 ... not accepted for policy reasons" a policy;
2. except between the two size reasons, where the code tells which limit (x.2.3 exceedlimit, x.3.4
   mesgtoobig);
3. a code that only names a transport or system trouble (x.4.x network, x.3.x system, x.5.x syntax, x.6.x
   content) yields to specific words: Microsoft's "550 5.4.1 Recipient address rejected: Access denied" is
   a user unknown;
4. otherwise a specific code wins over other reader-side words ("5.2.2 ... user unknown or mailbox full"
   is a full mailbox). Vague codes (x.0.0, x.7.1, ...) never decide when there are words.
Without words or a specific code: 421 too many connections, 452 system full, 450/451 system error, 554
rejected; a failure with neither status nor reply is on hold, one with a vague status undefined.

One deliberate difference from Sisimai: x.7.27 ("Sender address has null MX", RFC 7505) is the sender's
address rejected, not "not accepted": suppressing the reader would punish them for our sending domain.
Provider codes whose status field misleads (Microsoft's 5.1.10 RecipientNotFound) are corrected by
publisher.bounces.formats.providers before this module is asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REASONS: dict[str, tuple[str, str]] = {
    # reason: (effect, what an editor reads)
    "userunknown": ("suppress", "user unknown"),
    "hostunknown": ("suppress", "host unknown"),
    "hasmoved": ("suppress", "has moved"),
    "notaccept": ("suppress", "domain accepts no mail"),
    "mailboxfull": ("count", "mailbox full"),
    "systemfull": ("count", "system full"),
    "suspend": ("count", "mailbox suspended"),
    "filtered": ("count", "filtered by the recipient"),
    "expired": ("count", "delivery time expired"),
    "networkerror": ("count", "network error"),
    "systemerror": ("count", "system error"),
    "mailererror": ("count", "mailer error"),
    "onhold": ("count", "on hold"),
    "undefined": ("count", "undefined"),
    "blocked": ("sender", "sender blocked"),
    "rejected": ("sender", "sender address rejected"),
    "policyviolation": ("sender", "policy violation"),
    "spamdetected": ("sender", "spam detected"),
    "virusdetected": ("sender", "virus detected"),
    "securityerror": ("sender", "security error (SPF/DKIM/DMARC/TLS)"),
    "toomanyconn": ("sender", "too many connections"),
    "mesgtoobig": ("sender", "message too big"),
    "exceedlimit": ("sender", "exceeds a size limit"),
    "contenterror": ("sender", "content error"),
    "syntaxerror": ("sender", "SMTP syntax error"),
    "feedback": ("complaint", "complaint"),
    "vacation": ("none", "auto-reply"),
    "delivered": ("none", "delivered"),
}
EFFECTS = ("suppress", "count", "sender", "complaint", "none")
# DSN Action: values that report a failure ("expired" is not RFC 3464's, but SendGrid and others write it).
FAILED_ACTIONS = ("failed", "failure", "expired")
_ALWAYS_HARD = frozenset({"userunknown", "hostunknown", "hasmoved"})
_HARD_WHEN_PERMANENT = frozenset({"notaccept", "onhold", "undefined"})
# Not inside an IP address: "[203.0.113.9]" holds no status "0.113.9", "[1.2.3.4]" no "2.3.4".
_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)")
_REPLY = re.compile(r"(?<![\d.])([245]\d\d)(?![\d.])")

# RFC 3463 / 3886 / 7372 subject.detail codes that name one reason on their own. x.7.1 is not here: it
# means "delivery not authorized", which is most often a blocklist or policy, and is read from the text.
_STATUS_REASONS: dict[str, str] = {
    "1.0": "userunknown", "1.1": "userunknown", "1.2": "hostunknown", "1.3": "syntaxerror",
    "1.4": "userunknown", "1.5": "userunknown", "1.6": "hasmoved", "1.7": "rejected", "1.8": "rejected",
    "1.9": "rejected", "1.10": "notaccept",
    "2.0": "userunknown", "2.1": "suspend", "2.2": "mailboxfull", "2.3": "exceedlimit", "2.4": "systemerror",
    "3.0": "systemerror", "3.1": "systemfull", "3.2": "systemerror", "3.3": "systemerror", "3.4": "mesgtoobig",
    "3.5": "systemerror",
    "4.0": "networkerror", "4.1": "networkerror", "4.2": "networkerror", "4.3": "systemerror",
    "4.4": "hostunknown", "4.5": "toomanyconn", "4.6": "networkerror", "4.7": "expired",
    "5.0": "systemerror", "5.1": "syntaxerror", "5.2": "syntaxerror", "5.3": "exceedlimit", "5.4": "syntaxerror",
    "5.5": "systemerror",
    "6.0": "contenterror", "6.1": "contenterror", "6.2": "contenterror", "6.3": "contenterror",
    "6.4": "contenterror", "6.5": "contenterror",
    "7.0": "securityerror", "7.2": "systemerror", "7.3": "securityerror", "7.4": "securityerror",
    "7.5": "securityerror", "7.6": "securityerror", "7.7": "securityerror", "7.8": "securityerror",
    "7.9": "securityerror", "7.10": "securityerror", "7.11": "securityerror", "7.12": "securityerror",
    "7.13": "suspend", "7.14": "securityerror", "7.15": "securityerror", "7.16": "securityerror",
    "7.17": "securityerror", "7.18": "securityerror", "7.19": "securityerror", "7.20": "securityerror",
    "7.21": "securityerror", "7.22": "securityerror", "7.23": "securityerror", "7.24": "securityerror",
    "7.25": "securityerror", "7.26": "securityerror", "7.27": "rejected",
}
# Codes so general that the text decides when it can (x.0.0 "other", x.7.1 "not authorized", ...).
_VAGUE_STATUS = frozenset({"0.0", "1.0", "2.0", "3.0", "4.0", "5.0", "7.0", "7.1", "7.26"})

# The MTAs' own wording, checked in this order (the first that matches wins): the recipient's own filter
# and the sender-side reasons before the generic "user unknown" wording many of them share. The
# providers' codes are here too (Gmail's, Microsoft's "banned sending IP" and S3150, Yahoo's [TSS04] and
# [BL21], Mail.ru's), and the common wording of German, French, Spanish, Portuguese and Japanese servers.
_WORDING: list[tuple[str, re.Pattern[str]]] = [
    (reason, re.compile(pattern, re.IGNORECASE))
    for reason, pattern in [
        ("vacation", r"\b(?:out of (?:the )?office|on vacation|auto(?:matic)?[- ]?reply|"
                     r"away from (?:the|my) office)\b"),
        ("filtered", r"blocked by the recipient|recipient'?s? (?:mail )?filter|recipient'?s? (?:personal )?block ?list|"
                     r"rejected by (?:the )?recipient|recipient preferences|by user preferences|user reject|"
                     r"resolver\.rst\.notauthorized|not authorized to send to this recipient|refuses? to receive"),
        ("virusdetected", r"\bvirus\b|malware|\binfected\b|eicar|content presents a potential security issue"),
        ("rejected", r"sender address has null mx|relay(?:ing)? (?:access )?denied|not permitted to relay|"
                     r"unable to relay|relay not permitted"),
        ("notaccept", r"\bnull ?mx\b|does not accept (?:any )?mail|accepts no mail"),
        ("blocked", r"blocked using|\blisted (?:on|in|at)\b|black ?list|block ?list|\bdnsbl\b|\brbl\b|spamhaus|spamcop|"
                    r"barracuda|\bsorbs\b|smtp server of your isp|dynamic ip|dial-?up|residential ip|"
                    r"unwanted messages have been sent|"
                    r"client host .{0,80}blocked|\bip\b.{0,60}\b(?:blocked|banned|rejected)\b|"
                    r"(?:poor|bad|low) reputation|reputation of the sending|not allowed to send from|"
                    r"access denied.{0,40}\bip\b|banned sending|traffic not accepted from this ip|junkmail rejected|"
                    r"unusual rate of (?:unsolicited )?mail|\[TSS0[45]\]|\[BL\d\d\]|due to (?:unexpected volume or )?"
                    r"user complaints|\(S3150\)|not accepted from ip|aup#\w*rbl"),
        ("spamdetected", r"\bspam\b|junk mail|unsolicited|bulk mail|classified as spam"),
        ("securityerror", r"\bspf\b|\bdkim\b|\bdmarc\b|authentication (?:failed|required)|not authenticated|"
                          r"unauthenticated|\brdns\b|"
                          r"starttls|\btls\b.{0,40}(?:required|fail|not offered)|reverse dns|\bptr\b|"
                          r"encryption required"),
        ("toomanyconn", r"too many (?:connections|concurrent|messages|recipients|emails)|rate limit|throttl|"
                        r"server busy|max(?:imum)? messages? per connection|sending rate|temporarily deferred|"
                        r"concurrent (?:smtp )?connections|receiving mail too quickly"),
        ("contenterror", r"invalid mime|mime content|bare lf|invalid header|malformed (?:mime|message|header)|"
                         r"message contains (?:invalid|illegal)"),
        ("policyviolation", r"\bpolic(?:y|ies)\b|prohibited|violat|external forwarding|network not allowed"),
        ("rejected", r"sender (?:address )?(?:rejected|denied|refused|verify failed|unknown|not allowed)|"
                     r"domain of sender|envelope sender|"
                     r"from: domain is invalid|sender domain (?:is )?(?:invalid|unknown)|"
                     r"mail from .{0,40}(?:rejected|refused)|sender verify failed"),
        ("mesgtoobig", r"message (?:is )?too (?:big|large)|message (?:size|length) exceeds|exceeds? (?:the )?"
                       r"(?:maximum )?(?:permitted )?(?:message )?size|(?<!mailbox )size limit|too large"),
        ("mailboxfull", r"mailbox (?:is )?full|over (?:the )?quota|quota exceeded|exceeded .{0,20}quota|"
                        r"insufficient (?:disk )?space|mailbox size limit|storage (?:space|limit)|inbox is full|"
                        r"postfach (?:ist )?voll|bo[iî]te aux lettres .{0,10}pleine|buz[oó]n .{0,10}lleno|"
                        r"caixa (?:postal )?.{0,10}cheia|容量"),
        ("suspend", r"(?<!temporarily )suspended|disabled|inactive|deactivated|account (?:is )?(?:locked|closed)|"
                    r"no longer active|is no longer valid"),
        ("hasmoved", r"has moved|address changed|no longer (?:with|at)|forwarding address"),
        ("hostunknown", r"host (?:or domain name )?not found|host unknown|unknown host|domain (?:name )?not found|"
                        r"no such domain|unrouteable|unroutable|name service error|nxdomain|"
                        r"domain .{0,40}does not exist|no mx\b|domain is not reachable|domain (?:is )?unreachable"),
        ("userunknown", r"user unknown|unknown user|no such (?:user|mailbox|recipient|address|account)|"
                        r"\b(?:user|mailbox|recipient|address|account)\b.{0,60}?(?:does not exist|doesn't exist|"
                        r"not found|unknown|unavailable|invalid)|invalid (?:recipient|mailbox|address|user)|"
                        r"recipient (?:address )?rejected|unknown (?:recipient|mailbox|address|local)|"
                        r"not our customer|mailbox not available|no mailbox|address rejected|"
                        r"doesn't have an? .{0,30}account|"
                        r"benutzer unbekannt|empf[aä]nger unbekannt|unbekannter (?:benutzer|empf)|existiert nicht|"
                        r"destinataires? (?:invalide|inconnu)|utilisateur inconnu|"
                        r"usuario (?:no existe|desconocido|inexistente)|"
                        r"usu[aá]rio (?:inexistente|desconhecido)|宛先.{0,10}(?:存在しません|不明)"),
        ("expired", r"\bexpired\b|retry timeout|delivery time|could not be delivered (?:within|for \d+)|"
                    r"unable to deliver in \d+|timed? ?out.{0,40}(?:days|hours)|too long in (?:the )?queue|giving up"),
        ("systemfull", r"system (?:is )?full|disk full|out of (?:disk )?space|insufficient system storage"),
        ("networkerror", r"connection (?:refused|timed out|reset)|network (?:is )?unreachable|routing loop|"
                         r"mail loop|forwarding loop|loop detected|too many hops|exceeded \d+ hops|hop count exceeded|"
                         r"loops back"),
        ("syntaxerror", r"syntax error|command unrecognized|line too long|invalid (?:command )?argument"),
        ("systemerror", r"system error|internal error|server error|temporary failure|local error|"
                        r"temporary local problem|local configuration error|system not accepting"),
        ("mailererror", r"mailer error|command (?:died|failed)|pipe to|procmail"),
    ]
]
# Reasons a status code names only vaguely (a transport or system trouble): specific words win over them
# ("550 5.4.1 Recipient address rejected: Access denied" is Microsoft's user unknown, not a network error).
_WEAK = frozenset({"systemerror", "networkerror", "mailererror", "syntaxerror", "contenterror", "undefined"})
# Between the two size reasons only the code can tell which limit it was.
_SIZE = frozenset({"mesgtoobig", "exceedlimit"})


@dataclass(frozen=True)
class Verdict:
    """A report's reason, whether it is hard, and what the publisher does about it."""

    reason: str
    hard: bool

    @property
    def effect(self) -> str:
        return effect_of(self.reason)

    @property
    def label(self) -> str:
        return REASONS[self.reason][1]


def effect_of(reason: str) -> str:
    """suppress, count, sender, complaint or none."""
    return REASONS.get(reason, REASONS["undefined"])[0]


def label_of(reason: str) -> str:
    return REASONS.get(reason, REASONS["undefined"])[1]


def status_of(text: str | None) -> str | None:
    """The first RFC 3463 status code in a text ("5.1.1"), or None."""
    found = _STATUS.search(text or "")
    return ".".join(found.groups()) if found else None


def reply_code_of(text: str | None) -> str | None:
    """The SMTP reply code a diagnostic starts with or quotes ("550"), or None."""
    text = (text or "").strip()
    if text.lower().startswith("smtp;"):
        text = text[5:].strip()
    found = _REPLY.search(text[:200])
    return found.group(1) if found else None


def by_wording(text: str | None) -> str | None:
    """The reason the MTA's words name, or None."""
    if not text:
        return None
    text = text[:4000]
    for reason, pattern in _WORDING:
        if pattern.search(text):
            return reason
    return None


def by_status(status: str | None) -> str | None:
    """The reason a specific status code names, or None for a vague or unknown one."""
    found = _STATUS.search(status or "")
    if found is None:
        return None
    subject, detail = int(found.group(2)), int(found.group(3))
    if subject == 7 and 606 <= detail <= 649:  # Microsoft's "Access denied, banned sending IP [...]"
        return "blocked"
    key = f"{subject}.{detail}"
    return None if key in _VAGUE_STATUS else _STATUS_REASONS.get(key)


def is_permanent(status: str | None, reply_code: str | None) -> bool | None:
    """True for 5.x.x / 5xx, False for 4.x.x / 4xx, None when neither is known."""
    found = _STATUS.search(status or "")
    if found and found.group(1) in "45":
        return found.group(1) == "5"
    if reply_code and reply_code[:1] in "45":
        return reply_code[:1] == "5"
    return None


def classify(
    status: str | None = None,
    reply_code: str | None = None,
    diagnostic: str | None = None,
    *,
    action: str | None = None,
) -> Verdict | None:
    """The verdict on one failed recipient, or None when the block is no failure (delivered, delayed, ...).

    status: RFC 3463 code (Status:); reply_code: the SMTP reply ("550"); diagnostic: the server's words
    (Diagnostic-Code: or the MTA's text); action: the DSN's Action: field when there is one.
    """
    action = (action or "").strip().lower()
    if action and action not in FAILED_ACTIONS:
        return None  # delivered, relayed, expanded; "delayed" is a warning: the MTA is still trying
    status = status_of(status) or status_of(diagnostic)
    if status and status.startswith("2.") and not action:
        return None
    reply_code = reply_code or reply_code_of(diagnostic)
    reason = decide(status, reply_code, diagnostic)
    return Verdict(reason, hard_of(reason, status, reply_code))


def decide(status: str | None, reply_code: str | None, diagnostic: str | None) -> str:
    """The reason from the status code, the reply code and the words together (the rules: module docstring)."""
    worded = by_wording(diagnostic)
    coded = by_status(status)
    if coded and worded and coded != worded:
        if coded in _SIZE and worded in _SIZE:
            return coded
        if effect_of(worded) in ("sender", "none") or coded in _WEAK:
            return worded
        return coded
    if coded or worded:
        return (coded or worded)  # type: ignore[return-value]
    if reply_code in ("421", "450", "451", "452") and status is None:
        return {"421": "toomanyconn", "452": "systemfull"}.get(reply_code, "systemerror")
    if reply_code == "554" and status is None:
        return "rejected"
    return "onhold" if status is None and reply_code is None else "undefined"


def hard_of(reason: str, status: str | None, reply_code: str | None) -> bool:
    if reason in _ALWAYS_HARD:
        return True
    if reason in _HARD_WHEN_PERMANENT:
        return is_permanent(status, reply_code) is True
    return False
