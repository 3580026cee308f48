"""VERP return paths: every message's envelope sender names its send, signed so it cannot be forged.

`bounces+c12.r345.1a2b3c4d5e6f@example.org` is the return path of campaign 12's message to subscriber
345. A bounce is sent to the return path, so the address it arrives at maps it to its send even when the
reporting MTA dropped the original headers. The signature is an HMAC of the ids with the signing key
(lowercase hex: some MTAs lowercase local parts); an address with a wrong signature is forged or altered.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from publisher.config import Settings

_SIGNATURE_LENGTH = 12


@dataclass(frozen=True)
class Verp:
    """Makes and checks the signed return paths of one installation."""

    key: str
    local_part: str = "bounces"
    domain: str = "localhost"

    def _signature(self, campaign_id: int, subscriber_id: int) -> str:
        data = f"verp:{campaign_id}.{subscriber_id}".encode("ascii")
        return hmac.new(self.key.encode("utf-8"), data, hashlib.sha256).hexdigest()[:_SIGNATURE_LENGTH]

    def address(self, campaign_id: int, subscriber_id: int) -> str:
        """The return path of one send."""
        signature = self._signature(campaign_id, subscriber_id)
        return f"{self.local_part}+c{campaign_id}.r{subscriber_id}.{signature}@{self.domain}"

    def pattern(self) -> re.Pattern[str]:
        return re.compile(
            rf"{re.escape(self.local_part)}\+c(\d{{1,10}})\.r(\d{{1,10}})\.([0-9a-z]{{1,64}})@{re.escape(self.domain)}",
            re.IGNORECASE,
        )

    def parse(self, address: str | None) -> tuple[int, int] | None | bool:
        """(campaign id, subscriber id) of a genuine return path; False for a forged or altered one;
        None for an address that is not a return path of ours at all."""
        match = self.pattern().fullmatch((address or "").strip().strip("<>"))
        if match is None:
            return None
        campaign_id, subscriber_id = int(match.group(1)), int(match.group(2))
        if not hmac.compare_digest(match.group(3).lower(), self._signature(campaign_id, subscriber_id)):
            return False
        return campaign_id, subscriber_id


def verp_of(settings: Settings) -> Verp | None:
    """The installation's return paths, or None when PUBLISHER_VERP is off (the From address is the return path)."""
    if not settings.verp:
        return None
    return Verp(settings.signing_key(), settings.verp_local_part, settings.return_path_domain)
