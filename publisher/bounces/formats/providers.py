"""Who wrote an RFC 3464 report, what its human-readable part adds, and where a provider's fields mislead.

- `name_of`: the MTA or provider, from tell-tale headers of the report itself (never of the returned
  message, which is ours): the providers first (Amazon SES, SendGrid, Mailgun, Postmark, Gmail, Office 365
  and Outlook.com, Yahoo and AOL, iCloud, Zoho, GMX and Web.de, Mail.ru), then the MTA software (Postfix,
  Sendmail, Exim, Courier). The Received: headers are not used: the last hops are our own mail server's.
- `diagnostic_of_text`: a block with no Diagnostic-Code (Gmail sometimes, old Exchange) gets the server's
  words from the human-readable part ("The response was:", "Reported error:", "Remote Server returned").
- `corrected_reason`: a provider whose status code says something else than its words (Microsoft's
  5.1.10 "RESOLVER.ADR.RecipientNotFound" is a user unknown, not RFC 7505's null MX).
- `is_auto_reply`: RFC 3834 auto-replies and vacation notices, which are not bounces.
"""

from __future__ import annotations

import re
from dataclasses import replace
from email.message import EmailMessage, Message
from email.utils import parseaddr

from publisher.bounces.formats.text import plain_body
from publisher.bounces.reasons import FAILED_ACTIONS, reply_code_of
from publisher.bounces.report import Found

_MAILER_DAEMON = re.compile(r"mailer-daemon|postmaster|mail delivery|mdaemon|bounce|courier mail server", re.I)
# RFC 3834's forerunners: X-Autoreply, X-Autorespond, X-Autoresponse, X-Mailru-Autoreply, X-Vacation ...
_AUTO_HEADER = re.compile(r"^x-(?:[a-z]+-)?(?:auto-?repl(?:y|ied)|auto-?respon(?:d|se|der)|vacation)$", re.I)
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:auto(?:matic)?[ -]?(?:reply|response|answer)|auto:|out of (?:the )?office|vacation|away from|"
    r"abwesenheit|automatische antwort|r[ée]ponse automatique|absence|respuesta autom[aá]tica|fuera de la oficina|"
    r"resposta autom[aá]tica|ausente|risposta automatica|fuori sede|automatisch antwoord|afwezig|"
    r"自動応答|自動返信|不在|автоответ)",
    re.I,
)
# (name, header names that only this provider writes, domains of its From / Message-ID / Reporting-MTA)
_PROVIDERS: list[tuple[str, tuple[str, ...], str]] = [
    ("ses", ("x-ses-outgoing",), r"amazonses\.com"),
    ("sendgrid", ("x-sg-eid", "x-sendgrid-queueid"), r"sendgrid\.net"),
    ("mailgun", ("x-mailgun-sid",), r"mailgun\.(?:org|net)"),
    ("postmark", ("x-pm-message-id",), r"postmarkapp\.com"),
    ("gmail", ("x-gm-message-state", "x-google-smtp-source"), r"googlemail\.com|google\.com|gmail\.com"),
    (
        "office365",
        ("x-ms-exchange-message-is-ndr", "x-ms-exchange-organization-scl"),
        r"outlook\.com|hotmail\.com|"
        r"office365\.com|onmicrosoft\.com",
    ),
    ("yahoo", ("x-sonic-mf",), r"yahoo\.com|yahoodns\.net|aol\.com"),
    ("icloud", (), r"icloud\.com|me\.com|mac\.com"),
    ("zoho", ("x-zohomail-dkim", "x-zohomailclient"), r"zoho(?:mail)?\.(?:com|eu|in)"),
    ("gmx", ("x-ui-out-filterresults",), r"gmx\.(?:net|de|com|at|ch)|web\.de"),
    ("mailru", ("x-mailru-intl-transport", "x-mras"), r"mail\.ru"),
]
# The MTA software, from its report's own words and per-message fields.
_MTAS: list[tuple[str, re.Pattern[str]]] = [
    ("postfix", re.compile(r"^X-Postfix-(?:Queue-ID|Sender):|This is the mail system at host", re.I | re.M)),
    ("courier", re.compile(r"running the Courier mail server", re.I)),
    ("exim", re.compile(r"^X-Exim-Diagnostic:|^Received: .{0,200}with local \(Exim", re.I | re.M)),
    ("sendmail", re.compile(r"-- The following addresses had (?:permanent|transient)|^Subject: Returned mail:", re.M)),
]
# Where a provider's human-readable part quotes the server: the words follow on the same or the next line.
_RESPONSE = re.compile(
    r"(?:The response (?:from the remote server )?was|Reported error|Remote Server returned|The error that the "
    r"other server returned was|Technical details of permanent failure)\s*:?\s*'?\s*\n?\s*([^\n']{8,500})",
    re.I,
)
# Gmail's summary when it quotes no server ("** Address not found **", "** Message blocked **").
_HEADLINE = re.compile(r"^\*\* ([A-Za-z][^*\n]{3,80}) \*\*\s*$", re.MULTILINE)
# Provider codes whose status field misleads, and the reason their words name.
_CORRECTIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"RESOLVER\.ADR\.(?:Ex)?Recip(?:ient)?NotFound|RecipNotFound", re.I), "userunknown"),
    (re.compile(r"STOREDRV\.Deliver.{0,40}QuotaExceeded", re.I), "mailboxfull"),
]


def _domains(message: EmailMessage) -> str:
    """The report's From, Sender and Message-ID domains and its Reporting-MTA, lowercased, one a line."""
    out = []
    for name in ("From", "Sender", "Message-ID"):
        value = str(message.get(name) or "")
        address = parseaddr(value)[1] or value
        out.append(address.rpartition("@")[2].strip("<> "))
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                out.append(str(payload[0].get("Reporting-MTA") or "").partition(";")[2].strip())
    return "\n".join(out).lower()


def _per_message_fields(message: EmailMessage) -> str:
    out = []
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            payload = part.get_payload()
            for block in payload if isinstance(payload, list) else []:
                if isinstance(block, Message):
                    out += [f"{k}: {v}" for k, v in block.items()]
    return "\n".join(out)


def name_of(message: EmailMessage, default: str) -> str:
    """The provider or MTA that wrote this report; `default` when nothing tells."""
    names = {k.lower() for k in message.keys()}
    domains = _domains(message)
    for name, headers, pattern in _PROVIDERS:
        if names.intersection(headers) or re.search(rf"(?:^|[.\s])(?:{pattern})$", domains, re.M):
            return name
    if any(n.startswith("x-ms-exchange-") for n in names):
        return "office365"
    evidence = "\n".join(
        [f"Subject: {message.get('Subject') or ''}", _per_message_fields(message), plain_body(message)[:5000]]
    )
    for name, tells in _MTAS:
        if tells.search(evidence):
            return name
    return default


def diagnostic_of_text(message: EmailMessage) -> str | None:
    """The remote server's words as the human-readable part quotes them, else Gmail's headline
    ("** Address not found **"), or None."""
    text = plain_body(message)[:20000]
    found = _RESPONSE.search(text) or _HEADLINE.search(text)
    return " ".join(found.group(1).split()) if found else None


def corrected_reason(diagnostic: str | None) -> str | None:
    """The reason a provider's own code in the words names when its status field says otherwise, or None."""
    for pattern, reason in _CORRECTIONS:
        if pattern.search(diagnostic or ""):
            return reason
    return None


def refine(message: EmailMessage, found: list[Found]) -> list[Found]:
    """The blocks, a lone one without a Diagnostic-Code given the words of the human-readable part, and a
    provider code that contradicts the status field naming the reason. Only failures are touched."""
    out = []
    for block in found:
        if (block.action or "failed").strip().lower() not in FAILED_ACTIONS or block.reason is not None:
            out.append(block)
            continue
        if not block.diagnostic and len(found) == 1:
            words = diagnostic_of_text(message)
            if words:
                block = replace(block, diagnostic=words, reply_code=block.reply_code or reply_code_of(words))
        corrected = corrected_reason(block.diagnostic)
        out.append(replace(block, reason=corrected) if corrected else block)
    return out


def is_auto_reply(message: EmailMessage) -> bool:
    """RFC 3834's Auto-Submitted: auto-replied, the X-Autoreply family, Precedence: auto_reply, or an
    auto-reply subject in one of several languages; never a report, nor mail from a mailer daemon (which
    also writes Auto-Submitted: auto-replied on its bounces)."""
    sender = " ".join(str(message.get(name) or "") for name in ("From", "Sender"))
    if _MAILER_DAEMON.search(sender) or message.get_content_type() == "multipart/report":
        return False
    if message.get("X-Failed-Recipients"):
        return False
    if str(message.get("Auto-Submitted") or "").strip().lower().startswith("auto-replied"):
        return True
    if any(_AUTO_HEADER.match(name) for name in message.keys()):
        return True
    if str(message.get("Precedence") or "").strip().lower() == "auto_reply":
        return True
    return bool(_AUTO_SUBJECT.match(str(message.get("Subject") or "")))
