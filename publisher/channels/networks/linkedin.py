"""LinkedIn: `linkedin://ACCESS_TOKEN@api.linkedin.com?author=urn:li:organization:123` (or `urn:li:person:...`).

Posts go to the Posts API (`POST /rest/posts`) as the member or the organization page the author URN names;
`?version=YYYYMM` picks the LinkedIn-Version header (default below), `linkedin+http://` a plain-HTTP test
server. The token is an OAuth 2.0 bearer token with w_member_social (a member) or w_organization_social
(a page the member administers).

Counting: the commentary is "little text" (learn.microsoft.com/linkedin/marketing/community-management/
shares/little-text-format), where reserved characters are sent backslash-escaped; the 3,000-character limit
is counted on the escaped text in UTF-16 code units (what a Java String's length() is), which is never less
than LinkedIn's own count.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import regex
from pydantic import SecretStr

from publisher.channels.account import Account, AccountUrl
from publisher.channels.base import TextLimits
from publisher.channels.network import Check, Network

VERSION = "202511"  # LinkedIn-Version: versions are monthly and each is supported for a year
MAX_LENGTH = 3000
AUTHOR = re.compile(r"urn:li:(person|organization):[A-Za-z0-9_-]{1,64}")
# little's reserved characters; URLs and #hashtags are left as they are, so links and hashtags still work.
_RESERVED = regex.compile(r"(https?://\S+)|(#\w+)|([\\|{}@\[\]()<>*_~#])")


def escape(text: str) -> str:
    """`text` as little text: every reserved character backslash-escaped outside URLs and hashtags."""
    return _RESERVED.sub(lambda m: m.group(1) or m.group(2) or "\\" + m.group(3), text)


def count(text: str) -> int:
    return len(escape(text).encode("utf-16-le")) // 2


def parse(url: AccountUrl) -> Account:
    author = url.options.get("author", "")
    if not url.userinfo or not AUTHOR.fullmatch(author):
        raise url.refuse(
            "a LinkedIn URL is linkedin://ACCESS_TOKEN@api.linkedin.com?author=urn:li:person:ID "
            "(or urn:li:organization:ID)"
        )
    version = url.options.get("version", VERSION)
    if not re.fullmatch(r"20\d{4}", version):
        raise url.refuse(f"version must be a LinkedIn-Version like {VERSION}, not {version[:12]!r}")
    return Account(
        name=url.name,
        network="linkedin",
        host=url.host or "api.linkedin.com",
        scheme=url.transport,
        user=author,  # not secret: the author URN
        secrets={"token": SecretStr(unquote(url.userinfo))},
        options={**url.options, "version": version},
    )


def where(account: Account) -> str:
    kind = "organization page" if account.user.startswith("urn:li:organization:") else "member"
    return f"LinkedIn {kind} {account.user}" + ("" if account.host == "api.linkedin.com" else f" at {account.host}")


NETWORK = Network(
    name="linkedin",
    channel="publisher.channels.linkedin:LinkedInChannel",
    queue="share.linkedin",
    limits=TextLimits(max_length=MAX_LENGTH),
    count=count,
    parse=parse,
    check=Check.CREDENTIALS,
    where=where,
)
