"""A throwaway DKIM key pair: the private key file for the publisher, the DNS record for dkimpy's verifier."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Callable
from pathlib import Path


def make_dkim_key(directory: Path) -> tuple[Path, bytes]:
    """A 2048-bit RSA key written to directory/dkim.pem, and the TXT record publishing its public half."""
    key = directory / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True, capture_output=True
    ).stdout
    return key, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def dns_answering(record: bytes, lookups: list[bytes] | None = None) -> Callable[..., bytes]:
    """A dnsfunc for dkim.verify that answers every TXT lookup with the record (and notes the names asked)."""

    def dns(name: bytes, timeout: int = 5) -> bytes:
        if lookups is not None:
            lookups.append(name)
        return record

    return dns
