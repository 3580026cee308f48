"""The Channels page's "Add an account" forms: which fields each network asks for, and the account URL they make.

The URL is the same apprise-style URL PUBLISHER_ACCOUNTS takes (each network module in
publisher/channels/networks/ documents its own), so the network's parser checks it like any other.
Secret fields are password inputs and are never rendered back; errors name fields, never their values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from publisher.errors import ConfigError


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    secret: bool = False
    required: bool = True
    placeholder: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccountForm:
    network: str
    title: str
    fields: tuple[Field, ...]
    help: str = ""


FORMS: dict[str, AccountForm] = {
    f.network: f
    for f in (
        AccountForm(
            "mastodon",
            "Mastodon",
            (
                Field("instance", "Instance URL", placeholder="https://mastodon.social"),
                Field("token", "Access token", secret=True),
            ),
            "Preferences → Development → New application (scopes read:accounts, write:statuses, write:media).",
        ),
        AccountForm(
            "bluesky",
            "Bluesky",
            (
                Field("handle", "Handle", placeholder="news.example.org"),
                Field("password", "App password", secret=True),
                Field("service", "PDS or service URL", required=False, placeholder="https://bsky.social"),
            ),
            "Settings → Privacy and security → App passwords; never the account's own password.",
        ),
        AccountForm(
            "x",
            "X",
            (
                Field("consumer_key", "API key", secret=True),
                Field("consumer_secret", "API key secret", secret=True),
                Field("access_token", "Access token", secret=True),
                Field("access_token_secret", "Access token secret", secret=True),
            ),
            "The app's keys and the account's tokens (read and write) from the developer portal.",
        ),
        AccountForm(
            "webhook",
            "Webhook",
            (
                Field("url", "Webhook URL", secret=True, placeholder="https://hooks.example.org/..."),
                Field("variant", "Kind", choices=("standard", "slack", "discord")),
                Field("signing_secret", "Signing secret (whsec_...)", secret=True, required=False),
            ),
            "Slack and Discord keep their token in the URL: it is stored encrypted like any secret.",
        ),
        AccountForm(
            "linkedin",
            "LinkedIn",
            (
                Field("token", "Access token (OAuth 2.0)", secret=True),
                Field("author", "Posts as", placeholder="urn:li:person:... or urn:li:organization:..."),
            ),
            "A token with w_member_social (a member) or w_organization_social (a page you administer).",
        ),
        AccountForm(
            "threads",
            "Threads",
            (
                Field("token", "Access token", secret=True),
                Field("user_id", "Threads user ID", required=False, placeholder="me"),
            ),
            "A Threads user access token with threads_basic and threads_content_publish.",
        ),
    )
}


_LABEL = re.compile(r"[A-Za-z0-9._-]{1,40}")


def account_name(network: str, label: str) -> str:
    """The channel name: the network alone, or `network:label` (a label is letters, digits, `.`, `_`, `-`)."""
    label = label.strip()
    if label and not _LABEL.fullmatch(label):
        raise ConfigError("the label may hold letters, digits, '.', '_' and '-' only (at most 40)")
    return f"{network}:{label}" if label else network


def _server(value: str, what: str, default: str = "") -> tuple[str, str]:
    """('+http' or '', host[:port]) of a server URL typed as https://host, http://host:port or just host."""
    value = value.strip() or default
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.query:
        raise ConfigError(f"{what} must be a URL like https://host.example")
    if parts.path not in ("", "/"):
        raise ConfigError(f"{what} must be the server's address only, without a path")
    return ("+http" if parts.scheme == "http" else ""), parts.netloc


def _q(value: str) -> str:
    return quote(value.strip(), safe="")


def account_url(network: str, values: Mapping[str, str]) -> str:
    """The account URL the form's values make; a ConfigError naming the first missing or wrong field."""
    form = FORMS.get(network)
    if form is None:
        raise ConfigError(f"unknown network {network[:20]!r}; accounts can be added for {', '.join(FORMS)}")
    got = {f.name: (values.get(f.name) or "").strip() for f in form.fields}
    for field in form.fields:
        if field.required and not got[field.name]:
            raise ConfigError(f"{form.title}: {field.label} is required")
        if field.choices and got[field.name] not in field.choices:
            raise ConfigError(f"{form.title}: {field.label} must be one of {', '.join(field.choices)}")
    if network == "mastodon":
        flag, host = _server(got["instance"], "Instance URL")
        return f"mastodon{flag}://{_q(got['token'])}@{host}"
    if network == "bluesky":
        flag, host = _server(got["service"], "PDS or service URL", "https://bsky.social")
        return f"bluesky{flag}://{_q(got['handle'].lstrip('@'))}:{_q(got['password'])}@{host}"
    if network == "x":
        keys = [_q(got[k]) for k in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")]
        return f"x://{keys[0]}:{keys[1]}@{keys[2]}:{keys[3]}"
    if network == "webhook":
        target = urlsplit(got["url"])
        if target.scheme not in ("http", "https") or not target.hostname:
            raise ConfigError("Webhook: Webhook URL must start with https:// (or http://)")
        flags = ("" if got["variant"] == "standard" else f"+{got['variant']}") + (
            "+http" if target.scheme == "http" else ""
        )
        query = target.query
        if got["signing_secret"]:
            query = "&".join(q for q in (query, urlencode({"secret": got["signing_secret"]})) if q)
        return f"webhook{flags}://{target.netloc}{target.path}" + (f"?{query}" if query else "")
    if network == "linkedin":
        return f"linkedin://{_q(got['token'])}@api.linkedin.com?" + urlencode({"author": got["author"]})
    return f"threads://{_q(got['token'])}@graph.threads.net/{_q(got['user_id'] or 'me')}"
