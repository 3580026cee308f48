"""Real-shaped bounce reports, as Postfix and mailbox providers send them (RFC 3464 DSN, RFC 5965 ARF)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime


def postfix_dsn(
    recipient: str,
    status: str,
    diagnostic: str,
    *,
    original_message_id: str = "<publisher.c1.r1@example.org>",
    action: str = "failed",
    report_id: str = "<20261126101500.4F2A81C0A7@mx.example.net>",
    date: datetime | None = None,
    original_recipient: str | None = None,
) -> bytes:
    date = date or datetime.now(UTC)
    original_recipient = original_recipient or recipient
    return f"""Return-Path: <>
Received: by mx.example.net (Postfix) id 4F2A81C0A7; {format_datetime(date)}
Date: {format_datetime(date)}
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: news@example.org
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="4F2A81C0A7.1764151200/mx.example.net"
Content-Transfer-Encoding: 8bit
Message-Id: {report_id}

This is a MIME-encapsulated message.

--4F2A81C0A7.1764151200/mx.example.net
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

<{recipient}>: host mail.example.com[203.0.113.25] said: {diagnostic}
    (in reply to RCPT TO command)

--4F2A81C0A7.1764151200/mx.example.net
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
X-Postfix-Queue-ID: 4F2A81C0A7
X-Postfix-Sender: rfc822; news@example.org
Arrival-Date: {format_datetime(date)}

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{original_recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; mail.example.com
Diagnostic-Code: smtp; {diagnostic}

--4F2A81C0A7.1764151200/mx.example.net
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers
Content-Transfer-Encoding: 8bit

From: The Test Desk <news@example.org>
Subject: U.S. Rejects Netanyahu's Request
To: {recipient}
Date: {format_datetime(date)}
Message-ID: {original_message_id}
List-Unsubscribe: <https://news.example.org/unsubscribe/abc>

--4F2A81C0A7.1764151200/mx.example.net--
""".replace("\n", "\r\n").encode()


def arf_complaint(recipient: str, original_message_id: str) -> bytes:
    return f"""From: <staff@hotmail.example>
Date: Thu, 26 Nov 2026 10:20:00 +0000
Subject: complaint about message from 192.0.2.1
To: <abuse@example.org>
Message-ID: <arf-1@hotmail.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="part1_13d.2e68ed54_boundary"

--part1_13d.2e68ed54_boundary
Content-Type: text/plain; charset="US-ASCII"

This is an email abuse report for an email message received from IP 192.0.2.1.

--part1_13d.2e68ed54_boundary
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Mail-From: <news@example.org>
Original-Rcpt-To: <{recipient}>
Arrival-Date: Thu, 26 Nov 2026 10:00:00 +0000
Source-IP: 192.0.2.1

--part1_13d.2e68ed54_boundary
Content-Type: text/rfc822-headers

From: <news@example.org>
To: <{recipient}>
Subject: Digest
Message-ID: {original_message_id}

--part1_13d.2e68ed54_boundary--
""".replace("\n", "\r\n").encode()


def qmail_bounce(recipient: str, original_message_id: str = "<publisher.c1.r1@example.org>") -> bytes:
    """Not RFC 3464: qmail's plain-text bounce (flufl.bounce's detectors read these), quoting the message."""
    return f"""Return-Path: <>
From: MAILER-DAEMON@mx.example.net
To: news@example.org
Subject: failure notice
Message-ID: <qmail-1@mx.example.net>
Date: Thu, 26 Nov 2026 10:00:00 +0000

Hi. This is the qmail-send program at mx.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<{recipient}>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

From: news@example.org
To: {recipient}
Subject: Digest
Message-ID: {original_message_id}

Hello.
""".replace("\n", "\r\n").encode()
