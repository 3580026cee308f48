"""The publication: its name, sender, postal address, look and public list, as editors set them.

The environment gives every field's first value (PUBLISHER_NEWSLETTER_NAME, PUBLISHER_FROM,
PUBLISHER_REPLY_TO, PUBLISHER_LANGUAGE, PUBLISHER_POSTAL_ADDRESS, PUBLISHER_DESCRIPTION,
PUBLISHER_ACCENT_COLOUR, PUBLISHER_LOGO_URL, PUBLISHER_PUBLIC_LIST, PUBLISHER_TRACKING,
PUBLISHER_UTM); what an editor changes on the Settings
page or through the API is stored in publication_settings, one row per field, and wins. `effective()`
gives Settings with the publication's values in them, so everything that reads settings.newsletter_name
or settings.from_ sees the publication; campaigns freeze the sender they go out as (campaigns.identity).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from email.utils import formataddr, parseaddr
from typing import Any

from sqlalchemy import select

from publisher.addresses import normalize_address
from publisher.articles import language_tag
from publisher.articles.urls import safe_href, safe_image_src
from publisher.config import Settings
from publisher.errors import InvalidAddress, NotFound, PublisherError
from publisher.store import Store
from publisher.store.models import MailingList, PublicationSetting
from publisher.tracking import DEFAULT_MODE, MODES

SOCIAL_NETWORKS = ("website", "mastodon", "bluesky", "x", "linkedin", "facebook", "instagram", "threads")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class InvalidPublication(PublisherError):
    """A publication setting that cannot be stored; the message names the field and the problem."""


@dataclass(frozen=True)
class Publication:
    name: str
    sender_name: str
    sender_address: str
    description: str = ""
    logo_url: str | None = None
    accent_colour: str = "#0b5cad"
    language: str = "en"
    reply_to: str | None = None
    postal_address: str = ""
    public_list: str | None = None
    social_links: dict[str, str] = field(default_factory=dict)
    tracking: str = DEFAULT_MODE.value  # off | aggregate | individual (publisher.tracking); campaigns freeze it
    utm: bool = False  # utm_source/medium/campaign on article links
    # What the one Publish action does by default (issue 16, publisher.automation.publish): mail the article
    # to these lists, share it to these accounts (share channel names), in full or as its summary.
    publish_lists: list[str] = field(default_factory=list)
    publish_accounts: list[str] = field(default_factory=list)
    publish_full: bool = True

    @property
    def from_header(self) -> str:
        return formataddr((self.sender_name, self.sender_address))

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


EDITABLE = tuple(f.name for f in fields(Publication))


def defaults(settings: Settings) -> Publication:
    """The publication as the environment describes it, before any editor changed it."""
    sender_name, sender_address = parseaddr(settings.from_)
    return Publication(
        name=settings.newsletter_name,
        sender_name=sender_name or settings.newsletter_name,
        sender_address=sender_address,
        description=settings.description,
        logo_url=settings.logo_url,
        accent_colour=settings.accent_colour,
        language=settings.language,
        reply_to=settings.reply_to,
        postal_address=settings.postal_address,
        public_list=settings.public_list,
        tracking=settings.tracking,
        utm=settings.utm,
    )


def load(store: Store, settings: Settings) -> Publication:
    """The publication: the environment's values, overridden by what editors stored."""
    with store.session() as session:
        stored = {row.key: row.value for row in session.scalars(select(PublicationSetting))}
    known = {k: v for k, v in stored.items() if k in EDITABLE}
    publication = defaults(settings)
    return Publication(**{**asdict(publication), **known})


def update(store: Store, settings: Settings, changes: dict[str, Any]) -> Publication:
    """Store these changes (field -> value; None puts a field back to its environment value) and return the
    publication; InvalidPublication names the first bad field, and then nothing is stored."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidPublication(f"no publication setting called {unknown[0]!r}; settings: {', '.join(EDITABLE)}")
    cleaned = {key: _clean(key, value) for key, value in changes.items()}
    if cleaned.get("public_list"):
        _check_list(store, cleaned["public_list"])
    for name in cleaned.get("publish_lists") or []:
        _check_list(store, name, "to mail on Publish")
    with store.session() as session:
        for key, value in cleaned.items():
            row = session.get(PublicationSetting, key)
            if value is None:
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(PublicationSetting(key=key, value=value))
            else:
                row.value = value
    return load(store, settings)


def effective(store: Store, settings: Settings) -> Settings:
    """The settings with the publication's values in them (name, From, Reply-To, language, ...)."""
    return apply(settings, load(store, settings))


def apply(settings: Settings, publication: Publication) -> Settings:
    return settings.model_copy(
        update={
            "newsletter_name": publication.name,
            "from_": publication.from_header,
            "reply_to": publication.reply_to,
            "language": publication.language,
            "postal_address": publication.postal_address,
            "description": publication.description,
            "accent_colour": publication.accent_colour,
            "logo_url": publication.logo_url,
            "public_list": publication.public_list,
            "tracking": publication.tracking,
            "utm": publication.utm,
        }
    )


def identity_of(settings: Settings) -> dict[str, Any]:
    """What a campaign freezes of the sender it goes out as (campaigns.identity), from effective settings."""
    return {"from": settings.from_, "reply_to": settings.reply_to, "name": settings.newsletter_name}


def with_identity(settings: Settings, identity: dict[str, Any] | None) -> Settings:
    """The settings a campaign's mail is built with: its frozen sender, or the settings' own when it has none."""
    if not identity:
        return settings
    return settings.model_copy(
        update={"from_": identity["from"], "reply_to": identity.get("reply_to"), "newsletter_name": identity["name"]}
    )


def _check_list(store: Store, name: str, role: str = "to be the public list") -> None:
    with store.session() as session:
        if session.scalar(select(MailingList.id).where(MailingList.name == name)) is None:
            raise NotFound(f"there is no list called {name!r} {role}")


def _text(key: str, value: object, limit: int, *, lines: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidPublication(f"{key} must be text")
    text = value.strip().replace("\r\n", "\n")
    if _CONTROL.search(text) or (not lines and "\n" in text):
        raise InvalidPublication(f"{key} must not contain line breaks or control characters")
    if len(text) > limit:
        raise InvalidPublication(f"{key} is {len(text)} characters; at most {limit}")
    return text


def _address(key: str, value: object) -> str:
    try:
        return normalize_address(_text(key, value, 254))
    except InvalidAddress as exc:
        raise InvalidPublication(f"{key}: {exc}") from None


def _clean(key: str, value: Any) -> Any:  # noqa: C901 - one branch per field, each short
    optional = ("logo_url", "reply_to", "public_list", "description", "postal_address")
    if value is None or (value == "" and key in optional):
        return None
    if key in ("name", "sender_name"):
        text = _text(key, value, 100)
        if not text:
            raise InvalidPublication(f"{key} must not be empty")
        return text
    if key == "description":
        return _text(key, value, 500)
    if key == "postal_address":
        return _text(key, value, 300, lines=True)
    if key in ("sender_address", "reply_to"):
        return _address(key, value)
    if key == "logo_url":
        url = safe_image_src(_text(key, value, 2000))
        if url is None:
            raise InvalidPublication("logo_url must be an http or https URL of an image")
        return url
    if key == "accent_colour":
        colour = _text(key, value, 7)
        if not _COLOUR.fullmatch(colour):
            raise InvalidPublication(f"accent_colour must be a colour like #0b5cad, not {colour!r}")
        return colour.lower()
    if key == "language":
        tag = language_tag(_text(key, value, 35))
        if tag is None:
            raise InvalidPublication(f"language must be a language tag such as en or pt-BR, not {value!r}")
        return tag
    if key == "public_list":
        return _text(key, value, 200)
    if key == "social_links":
        return _social(value)
    if key == "tracking":
        if value not in MODES:
            raise InvalidPublication(f"tracking must be one of {', '.join(MODES)}, not {value!r}")
        return value
    if key in ("utm", "publish_full"):
        if not isinstance(value, bool):
            raise InvalidPublication(f"{key} must be true or false")
        return value
    if key in ("publish_lists", "publish_accounts"):
        return _names(key, value)
    raise InvalidPublication(f"no publication setting called {key!r}")


def _social(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InvalidPublication("social_links must map a network (website, mastodon, ...) to a URL")
    links: dict[str, str] = {}
    for network, url in value.items():
        if network not in SOCIAL_NETWORKS:
            raise InvalidPublication(f"social_links: unknown network {network!r}; known: {', '.join(SOCIAL_NETWORKS)}")
        if url in (None, ""):
            continue
        href = safe_href(_text(f"social_links.{network}", url, 500))
        if href is None or not href.startswith(("https://", "http://")):
            raise InvalidPublication(f"social_links.{network} must be an http or https URL")
        links[network] = href
    return links


def _names(key: str, value: object) -> list[str]:
    """A list of list or account names (publish_lists, publish_accounts), each once, in the order given."""
    if not isinstance(value, list | tuple):
        raise InvalidPublication(f"{key} must be a list of names")
    names: list[str] = []
    for item in value:
        name = _text(key, item, 200)
        if not name:
            raise InvalidPublication(f"{key} must not hold an empty name")
        if name not in names:
            names.append(name)
    if len(names) > 50:
        raise InvalidPublication(f"{key} names {len(names)}; at most 50")
    return names
