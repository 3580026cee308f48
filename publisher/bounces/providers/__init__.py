"""Provider event webhooks: Amazon SES (through SNS), SendGrid, Mailgun and Postmark.

Each module checks a post the provider's own way (SNS's RSA signature and certificate, SendGrid's ECDSA,
Mailgun's HMAC, Postmark's HTTP Basic credentials) and turns what it says into BounceReports with the
reasons of publisher.bounces.reasons: the provider's SMTP words are classified, its own type is the hint.
What fails a check raises common.Refused with the HTTP status to answer; nothing else raises on input.
The routes (publisher/web/routes/bounce_webhooks.py) record the reports with trusted=True: the provider
authenticated them, so a bare address is believed when no Message-ID or VERP address names the send.

- common.py    Refused, safe reads of untrusted JSON, the reason with the provider's hint
- sns.py       SNS signatures (SignatureVersion 1 and 2), the signing certificate's URL rule and cache
- ses.py       SES bounce and complaint notifications; subscription confirmations
- sendgrid.py  the Signed Event Webhook: bounce, blocked, dropped, spamreport
- mailgun.py   failed (permanent) and complained events; timestamps and tokens against replays
- postmark.py  Bounce and SpamComplaint records
"""

from publisher.bounces.providers import mailgun, postmark, sendgrid, ses, sns
from publisher.bounces.providers.common import Refused, settled

__all__ = ["Refused", "settled", "mailgun", "postmark", "sendgrid", "ses", "sns"]
