"""Amazon SNS message signatures: the documented canonical string, the signing certificate, the check.

SNS signs the canonical string of a message's fields, each as "Name\\nvalue\\n", in a fixed order per Type:
Notification: Message, MessageId, Subject (only when present), Timestamp, TopicArn, Type;
SubscriptionConfirmation and UnsubscribeConfirmation: Message, MessageId, SubscribeURL, Timestamp, Token,
TopicArn, Type. SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA; Signature is base64.

The certificate is fetched from SigningCertURL only when that URL is https on an SNS host
(sns.<region>.amazonaws.com, or .amazonaws.com.cn) and its path ends in .pem; TLS to that host (httpx
checks it against the system's CAs) is what vouches for the certificate, as in AWS's own SDK validators.
Certificates are cached in the process (bounded), so SNS's steady stream costs one fetch per certificate.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from publisher.bounces.providers.common import Refused

# GET a URL and return its body; raises on a failure. The route passes the app's (tests inject theirs).
Fetch = Callable[[str], bytes]

TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")
_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}
_CACHE_SIZE = 32
_MAX_CERT_BYTES = 64 * 1024


def http_fetch(url: str) -> bytes:
    """GET with httpx (TLS verified, no redirects, 10 s); the body, or an exception."""
    with httpx.Client(timeout=10, follow_redirects=False) as client:
        answer = client.get(url)
    answer.raise_for_status()
    return answer.content


def check_url(url: object, what: str) -> str:
    """The URL when it is https on an SNS host (and, for the certificate, a .pem path); Refused(403) if not."""
    if not isinstance(url, str) or len(url) > 2000:
        raise Refused(403, f"{what} is missing")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused(403, f"{what} is not a URL") from None
    host = parts.hostname or ""
    odd = parts.username or parts.password or port not in (None, 443)
    if parts.scheme != "https" or not _HOST.fullmatch(host) or odd:
        raise Refused(403, f"{what} is not an https URL on an Amazon SNS host: {host[:100]!r}")
    if what == "SigningCertURL" and not parts.path.endswith(".pem"):
        raise Refused(403, "SigningCertURL does not name a .pem certificate")
    return url


def canonical(message: dict[str, Any]) -> bytes:
    """The string SNS signed for this message (its Type names the fields and their order)."""
    fields = _FIELDS.get(str(message.get("Type")))
    if fields is None:
        raise Refused(400, f"the SNS message Type must be one of {', '.join(TYPES)}")
    out = []
    for name in fields:
        value = message.get(name)
        if value is None and name == "Subject":
            continue  # only a Notification's Subject is optional, and only when absent
        if not isinstance(value, str):
            raise Refused(400, f"the SNS message has no {name}")
        out.append(f"{name}\n{value}\n")
    return "".join(out).encode("utf-8", "surrogatepass")


class Certificates:
    """Signing certificates' public keys by URL, fetched once each (at most _CACHE_SIZE kept)."""

    def __init__(self) -> None:
        self._keys: OrderedDict[str, rsa.RSAPublicKey] = OrderedDict()
        self._lock = threading.Lock()

    def key(self, url: str, fetch: Fetch) -> rsa.RSAPublicKey:
        with self._lock:
            if url in self._keys:
                self._keys.move_to_end(url)
                return self._keys[url]
        try:
            pem = fetch(url)
        except Exception as exc:  # the network, or SNS, failing: the post cannot be checked now
            raise Refused(503, f"the SNS signing certificate could not be fetched ({type(exc).__name__})") from None
        try:
            if len(pem) > _MAX_CERT_BYTES:
                raise ValueError("too large")
            key = x509.load_pem_x509_certificate(pem).public_key()
        except ValueError:
            raise Refused(401, "the SNS signing certificate is not a PEM certificate") from None
        if not isinstance(key, rsa.RSAPublicKey):
            raise Refused(401, "the SNS signing certificate has no RSA key")
        with self._lock:
            self._keys[url] = key
            while len(self._keys) > _CACHE_SIZE:
                self._keys.popitem(last=False)
        return key


CERTIFICATES = Certificates()


def verify(message: dict[str, Any], fetch: Fetch, certificates: Certificates = CERTIFICATES) -> None:
    """Check an SNS message's signature; Refused (401 bad or missing, 403 a certificate URL not SNS's)."""
    algorithm = _HASHES.get(str(message.get("SignatureVersion")))
    if algorithm is None:
        raise Refused(401, "SignatureVersion must be 1 or 2")
    signature = message.get("Signature")
    if not isinstance(signature, str) or not signature:
        raise Refused(401, "the SNS message is not signed")
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise Refused(401, "the SNS signature is not base64") from None
    url = check_url(message.get("SigningCertURL"), "SigningCertURL")  # before any fetch
    data = canonical(message)
    key = certificates.key(url, fetch)
    try:
        key.verify(raw, data, padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        raise Refused(401, "the SNS signature does not match") from None
