"""The providers' own bounce bodies: Exchange / Office 365, Gmail, Yahoo, GMX / Web.de, Mail.ru, Amazon
SES, SendGrid, Zoho, Domino, MDaemon, and other languages where the codes are present."""

from __future__ import annotations

from publisher.bounces.formats import (
    domino,
    exchange,
    gmail,
    gmx,
    imail,
    intl,
    james,
    mailru,
    mdaemon,
    sendgrid,
    ses,
    yahoo,
    zoho,
)
from tests.publisher.bounces.formats.mail import message


def test_exchange_html_only_ndr_gives_the_remote_servers_words_and_the_generating_server():
    html = (
        "<html><body><p>Your message to <a href='mailto:paul@example.com'>paul@example.com</a> couldn't be"
        " delivered.</p><p><b>Diagnostic information for administrators:</b></p><p>Generating server:"
        " AM0PR01MB4242.outlook.example.com<br><br>paul@example.com<br>Remote Server returned '550 5.1.10"
        " RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'</p></body></html>"
    )

    found = exchange.read(message(html, Content_Type="text/html; charset=utf-8"))

    assert found is not None
    assert [(f.email, f.status, f.reply_code, f.remote_mta, f.reason) for f in found] == [
        ("paul@example.com", "5.1.10", "550", "AM0PR01MB4242.outlook.example.com", "userunknown")
    ]
    assert found[0].diagnostic is not None and found[0].diagnostic.startswith("550 5.1.10 RESOLVER.ADR")


def test_exchange_2003_names_the_address_with_the_date_and_the_code_in_angle_brackets():
    body = (
        "Your message did not reach some or all of the intended recipients.\n\nThe following recipient(s) cannot be"
        " reached:\n\n      quinta@example.net on 12/1/2026 10:15 AM\n            The e-mail account does not"
        " exist at the organization this message was sent to.\n            <EXCH2003.example.net #5.1.1>\n"
    )

    found = exchange.read(message(body))

    assert found is not None
    assert [(f.email, f.status, f.remote_mta, f.reason) for f in found] == [
        ("quinta@example.net", "5.1.1", "EXCH2003.example.net", "userunknown")
    ]


def test_gmail_old_body_gives_the_other_servers_reply():
    body = (
        "Delivery to the following recipient failed permanently:\n\n     quin@example.com\n\nTechnical details of"
        " permanent failure:\nGoogle tried to deliver your message, but it was rejected by the server for the"
        " recipient domain example.com by mx.example.com. [192.0.2.80].\n\nThe error that the other server returned"
        " was:\n550 550 5.1.1 <quin@example.com>... User Unknown (state 14).\n\n   ----- Original message -----\n"
    )

    found = gmail.read(message(body))

    assert found is not None
    assert [(f.email, f.status, f.reply_code, f.remote_mta) for f in found] == [
        ("quin@example.com", "5.1.1", "550", "mx.example.com")
    ]


def test_gmail_delay_notice_is_no_failure():
    body = (
        "Delivery to the following recipient has been delayed:\n\n     ulf@example.com\n\n"
        "Technical details of temporary failure:\nx"
    )

    assert gmail.read(message(body)) == []


def test_yahoo_dd_wording_names_the_reason_its_bare_554_does_not():
    body = (
        "Sorry, we were unable to deliver your message to the following address.\n\n<will@example.com>:\n"
        "Remote host said: 554 delivery error: dd Sorry your message to will@example.com cannot be delivered."
        " This mailbox is disabled (554.30). - mta1043.mail.example.com [RCPT_TO]\n\n"
        "--- Below this line is a copy of the message.\n"
    )

    found = yahoo.read(message(body))

    assert found is not None and [(f.email, f.reply_code, f.reason) for f in found] == [
        ("will@example.com", "554", "suspend")
    ]


def test_gmx_needs_its_own_headers_and_reads_the_host_line():
    body = (
        "This message was created automatically by mail delivery software.\n\nA message that you sent could not be"
        " delivered to one or more of\nits recipients. This is a permanent error. The following address\nfailed:\n\n"
        '"yuki@example.com":\nSMTP error from remote server after RCPT command:\nhost: mx.example.com\n'
        "5.1.1 <yuki@example.com>... User Unknown\n\n--- The header of the original message is following. ---\n"
    )

    found = gmx.read(message(body, X_GMX_Antispam="0", From="mailer-daemon@gmx.net"))

    assert gmx.read(message(body)) is None  # Exim's words alone are Exim's
    assert found is not None
    assert [(f.email, f.status, f.remote_mta) for f in found] == [("yuki@example.com", "5.1.1", "mx.example.com")]


def test_mailru_russian_only_body_finds_the_address_and_the_reason():
    body = (
        "Это письмо создано автоматически\nсервером Mail.Ru, отвечать на него не\nнужно.\n\nК сожалению, Ваше"
        " письмо не может\nбыть доставлено одному или нескольким\nполучателям:\n\n  fedor@example.ru\n"
        "    550 Message was not accepted -- пользователь не найден\n"
    )

    found = mailru.read(message(body, From="mailer-daemon@corp.mail.ru"))

    assert found is not None and [(f.email, f.reply_code, f.reason) for f in found] == [
        ("fedor@example.ru", "550", "userunknown")
    ]


def test_ses_plain_text_bounce_gives_the_quoted_reply():
    body = (
        "The following message to <gina@example.com> was undeliverable.\nThe reason for the problem:\n"
        "5.1.0 - Unknown address error 550-'5.1.1 <gina@example.com>... User Unknown'\n"
    )

    found = ses.read(message(body, From="MAILER-DAEMON@email-smtp.us-east-1.amazonses.com"))

    assert found is not None and [(f.email, f.status) for f in found] == [("gina@example.com", "5.1.0")]
    assert found[0].diagnostic is not None and "User Unknown" in found[0].diagnostic


def test_sendgrid_notice_reads_its_status_fields_and_an_expired_action():
    body = (
        "This is an automatically generated message from SendGrid.\n\nFinal-Recipient: rfc822; kate@example.net\n"
        "Action: expired\nStatus: 4.4.7\nDiagnostic-Code: smtp; 421 4.4.7 Message expired\n"
    )

    found = sendgrid.read(message(body, From="mailer-daemon@sendgrid.net"))

    assert found is not None and [(f.email, f.status, f.reply_code, f.reason) for f in found] == [
        ("kate@example.net", "4.4.7", "421", "expired")
    ]


def test_zoho_line_and_status_forms():
    body = (
        "This message was created automatically by mail delivery software.\nA message that you sent could not be"
        " delivered to one or more of its recipients. This is a permanent error.\n\n"
        "vito@example.com Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <vito@example.com>... User Unknown\n"
        "[Status: Error, Address: <wen@example.net>, ResponseCode 421, , Host not reachable.]\n"
    )

    found = zoho.read(message(body, X_ZohoMail="Si CHF_MF_NL"))

    assert found is not None
    assert sorted((f.email, f.status, f.reason) for f in found) == [
        ("vito@example.com", "5.1.1", None),
        ("wen@example.net", "5.0.0", "expired"),
    ]


def test_domino_reads_was_not_delivered_to_and_because():
    body = (
        "Your message\n\n  Subject: News\n\nwas not delivered to:\n\n  lars@example.com\n\nbecause:\n\n"
        "  User lars (lars@example.com) not listed in Domino Directory\n\n"
    )

    found = domino.read(message(body, Subject="DELIVERY FAILURE: User lars not listed"))

    assert found is not None and [(f.email, f.reason) for f in found] == [("lars@example.com", "userunknown")]
    assert domino.read(message(body, Subject="Your message")) is None


def test_mdaemon_reads_the_reply_to_each_rcpt_in_the_transcript():
    body = (
        "The attached message had PERMANENT fatal delivery errors!\n\n--- Session Transcript ---\n"
        " Tue 2026-12-01 10:15:02.300: Connected to [192.0.2.70 : 25]\n"
        " Tue 2026-12-01 10:15:02.600: --> RCPT To:<olaf@example.com>\n"
        " Tue 2026-12-01 10:15:02.700: <-- 550 5.1.1 <olaf@example.com>: User unknown\n--- End Transcript ---\n"
    )

    found = mdaemon.read(message(body, From="MDaemon@mail.example.com"))

    assert found is not None
    assert [(f.email, f.status, f.reply_code, f.remote_mta) for f in found] == [
        ("olaf@example.com", "5.1.1", "550", "192.0.2.70")
    ]


def test_other_languages_are_read_where_an_address_comes_with_a_code():
    body = "このメールは、下記の宛先へ配信できませんでした。\n\n宛先: xavi@example.jp\n理由: 550 5.1.1 User unknown\n"

    found = intl.read(message(body, charset="iso-2022-jp"))

    assert found is not None and [(f.email, f.status, f.reply_code) for f in found] == [
        ("xavi@example.jp", "5.1.1", "550")
    ]


def test_other_languages_without_a_code_or_from_a_person_are_not_read():
    no_code = "このメールは、下記の宛先へ配信できませんでした。\n\n宛先: xavi@example.jp\n"
    person = {"Return_Path": "<otto@example.net>", "From": "Otto <otto@example.net>"}

    assert intl.read(message(no_code)) is None
    assert not intl.read(message(no_code + "550 5.1.1\n", **person))


def test_imail_reads_its_phrase_and_the_address_and_needs_its_x_mailer():
    body = "Unknown user: zack@example.com\n\n\nOriginal message follows.\n\nTo: zack@example.com\n"

    found = imail.read(message(body, X_Mailer="<SMTP32 v8.22>"))

    assert found is not None and [(f.email, f.reason, f.status) for f in found] == [
        ("zack@example.com", "userunknown", "5.0.0")
    ]
    assert imail.read(message(body)) is None


def test_james_reads_the_reply_and_the_envelope_recipient_of_message_details():
    body = (
        "Error: Invalid user address\n\nError message below:\n550 - Requested action not taken: no such user here\n\n"
        "Message details:\n  MAIL FROM: news@example.org\n  RCPT TO: 5551234567@vtext.example.com\n"
    )

    found = james.read(message(body, From="post_master@vtext.example.com", Subject="Re:News"))

    assert found is not None
    assert [(f.email, f.reply_code) for f in found] == [("5551234567@vtext.example.com", "550")]
