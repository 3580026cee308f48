"""Social accounts, configured as one URL per account: a facade over publisher.channels.

The Account type lives in publisher.channels.account; parsing and loading in publisher.channels.registry,
which hands each URL to its network's declaration (publisher/channels/networks/).
"""

from __future__ import annotations

from publisher.channels.account import Account, network_of
from publisher.channels.registry import load_accounts, parse_account

__all__ = ["Account", "load_accounts", "network_of", "parse_account"]
