"""Settings, read once from environment variables prefixed PUBLISHER_ (or a .env file)."""

from __future__ import annotations

import os
import re
import secrets
from email.utils import parseaddr
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from publisher import shipped

_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}")  # as publisher.articles.language_tag reads


class Settings(BaseSettings):
    """Everything configurable; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="PUBLISHER_", env_file=".env", extra="ignore")

    # Default: the platform's user data directory (~/.local/share/publisher on Linux), whatever the working
    # directory; the CLI says where the first time it creates it.
    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("publisher", appauthor=False)))
    database_url: str | None = None
    broker_url: str | None = None
    base_url: str = "http://localhost:8000"
    from_: str = Field(default="Publisher <newsletter@localhost>", alias="PUBLISHER_FROM")
    reply_to: str | None = None
    newsletter_name: str = "Publisher digest"
    # The publication (issue 12): first values of what editors change on the Settings page
    description: str = ""
    postal_address: str = ""  # printed in every mail's footer (CAN-SPAM asks for a physical address)
    public_list: str | None = None  # the list readers join from the site; None: the only list, or a picker
    accent_colour: str = "#0b5cad"
    logo_url: str | None = None
    secret_key: SecretStr | None = None
    templates_dir: Path = Field(default_factory=shipped.templates_dir)
    # The language of an imported article that does not declare one (a BCP 47 tag such as "en" or "pt-BR")
    language: str = "en"
    # Insight (issue 15): what a publication records of opens and clicks (off | aggregate | individual;
    # editors change it on the Settings page), UTM parameters on article links, and how soon after delivery
    # a click is a link scanner's rather than a reader's
    tracking: Literal["off", "aggregate", "individual"] = "aggregate"
    utm: bool = False
    tracking_early_click_seconds: float = Field(default=10.0, ge=0)

    # Media store (issue 11): uploaded and imported images. None: files under data_dir/media, served by the
    # web app at BASE_URL/media/; "s3://BUCKET/PREFIX" for any S3-compatible bucket (credentials below, else
    # boto3's own chain: AWS_ACCESS_KEY_ID, ~/.aws, an instance role).
    media_url: str | None = None
    media_public_url: str | None = None  # where readers fetch media (a CDN or the bucket's public URL)
    media_s3_endpoint: str | None = None  # e.g. http://127.0.0.1:9000 for MinIO; None: AWS
    media_s3_region: str | None = None
    media_s3_access_key: str | None = None
    media_s3_secret_key: SecretStr | None = None
    # A canned ACL set on each object ("public-read" for a bucket that uses ACLs); None: the bucket's policy
    # (or the CDN in front of it) decides who may read
    media_s3_acl: str | None = None
    media_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)  # an upload larger than this is refused
    media_max_pixels: int = Field(default=40_000_000, ge=10_000)  # width x height; bigger is refused

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: float = 30.0
    # SMTP security (extra-tls): a PEM bundle of CAs trusted instead of the system's, e.g. a private CA
    smtp_ca_file: Path | None = None

    batch_size: int = Field(default=500, ge=1, le=10_000)
    max_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: float = Field(default=5.0, ge=0)
    lease_seconds: int = Field(default=600, ge=10)
    # The same articles to the same list within this many hours is refused unless forced; 0 turns it off.
    duplicate_send_window_hours: float = Field(default=24.0, ge=0)

    # Subscribers and consent (issue 5)
    confirm_max_age_hours: float = Field(default=72.0, gt=0)
    signup_rate_limit: int = Field(default=5, ge=1)  # signups per client IP per window
    signup_rate_window_seconds: int = Field(default=3600, ge=1)
    soft_bounce_limit: int = Field(default=3, ge=1)  # soft bounces within the window that suppress
    soft_bounce_window_days: float = Field(default=14.0, gt=0)
    bounce_webhook_secret: SecretStr | None = None
    unsubscribe_mailto: str | None = None  # List-Unsubscribe mailto; default: the From address
    # Bounces (issue 13): VERP return paths, sender-side alarms, the inbound listener and IMAP polling.
    verp: bool = True  # every message's envelope sender is a signed per-recipient address
    verp_local_part: str = Field(default="bounces", pattern=r"^[a-z0-9][a-z0-9._-]{0,40}$")
    verp_domain: str | None = Field(default=None, pattern=r"^[A-Za-z0-9.-]{1,200}$")  # default: the From domain
    # A campaign pauses when sender-side bounces (blocked, spam, policy, ...) reach this many, or this share
    # of its sent mails once there are at least sender_bounce_pause_min of them.
    sender_bounce_pause_count: int = Field(default=50, ge=1)
    sender_bounce_pause_rate: float = Field(default=0.02, gt=0, le=1)
    sender_bounce_pause_min: int = Field(default=5, ge=1)
    bounce_listen: str = "127.0.0.1:2525"  # `publisher bounces serve`: where the inbound SMTP listener binds
    bounce_imap_url: str | None = None  # imaps://user@host:993/INBOX polled by `publisher bounces poll`
    bounce_imap_password: SecretStr | None = None
    bounce_imap_done_folder: str | None = None  # processed mail moves here; unset: marked seen and flagged
    # Receiving bounces (intake): the largest message the listener or IMAP polling takes (the webhook's 10 MiB),
    # and a PEM bundle of CAs trusted for the IMAP server instead of the system's (a self-signed server).
    bounce_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    bounce_imap_ca_file: Path | None = None
    # Provider event webhooks (publisher/bounces/providers): each endpoint is off (404) until configured.
    ses_topic_arns: str = ""  # comma-separated SNS topic ARNs whose SES notifications POST /webhooks/bounces/ses takes
    sendgrid_webhook_public_key: str | None = None  # the Signed Event Webhook's verification key (base64 DER or PEM)
    mailgun_webhook_signing_key: SecretStr | None = None  # Mailgun's HTTP webhook signing key
    postmark_webhook_user: str | None = None  # HTTP Basic credentials put in the Postmark webhook's URL
    postmark_webhook_password: SecretStr | None = None
    provider_webhook_max_age: int = Field(default=900, ge=30, le=86400)  # seconds; older signed posts are replays

    @property
    def ses_topic_arn_list(self) -> list[str]:
        return [n.strip() for n in self.ses_topic_arns.split(",") if n.strip()]

    @field_validator("unsubscribe_mailto")
    @classmethod
    def _plain_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.isascii() or any(c in value for c in "<>?,; \t\r\n") or value.count("@") != 1:
            raise ValueError(f"PUBLISHER_UNSUBSCRIBE_MAILTO must be a plain ASCII address: {value!r}")
        return value

    # Delivery (issue 4): campaign control, rate limits, headers and DKIM.
    pause_after_failures: int = Field(default=10, ge=1)  # consecutive connection failures that pause a campaign
    sweep_seconds: float = Field(default=60.0, gt=0)  # how often each worker looks for stalled work
    rate_limits: dict[str, float] = Field(default_factory=dict)  # messages per second per channel, all workers
    precedence_bulk: bool = False
    dkim_key_path: Path | None = None
    dkim_selector: str | None = None
    dkim_domain: str | None = None  # default: the From address's domain

    # Operations (issue 15): log lines as text or JSON; who may read /metrics; a worker's metrics exporter.
    log_format: Literal["json", "text"] = "text"
    metrics_token: SecretStr | None = None  # Authorization: Bearer TOKEN reads /metrics from off the machine
    metrics_port: int | None = Field(default=None, ge=1, le=65535)  # each worker serves its metrics here

    # --- social share (issue 6): accounts as URLs, post options, auto-share ---
    accounts: SecretStr | None = None  # PUBLISHER_ACCOUNTS: JSON object, account name -> URL (publisher/accounts.py)
    accounts_file: Path | None = None  # PUBLISHER_ACCOUNTS_FILE: TOML with an [accounts] table
    share_hashtags: str = ""  # comma-separated, added to every post where they fit
    share_utm: bool = False  # add utm_source=<network>&utm_medium=social&utm_campaign=<slug> to shared links
    share_on_digest: str = ""  # comma-separated channels: share each digest's articles when it is sent
    share_on_import: str = ""  # comma-separated channels: share each newly imported (published) article
    share_timeout: float = Field(default=20.0, gt=0)  # seconds per social network request

    # Feeds in and out (issue 16, helper A: publisher.automation.feeds, web/routes/public_feeds.py).
    feed_max_entries_per_poll: int = Field(default=50, ge=1, le=10_000)  # new entries imported per poll
    feed_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)  # a bigger feed body is refused
    feed_timeout: float = Field(default=10.0, gt=0, le=300)  # seconds per feed request
    feed_polls_per_sweep: int = Field(default=20, ge=1)  # feeds one sweep polls at most
    feed_out_size: int = Field(default=50, ge=1, le=1000)  # newest articles in /feed.xml and /feed.atom
    # Recurring digests (issue 16, helper B): the zone a schedule is in when none is named, and how late a run
    # may start before its outcome says it ran late.
    schedule_timezone: str = "UTC"  # an IANA name, e.g. Europe/Berlin
    schedule_late_minutes: float = Field(default=5.0, ge=0)

    @field_validator("schedule_timezone")
    @classmethod
    def _schedule_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(value.strip()).key
        except (ZoneInfoNotFoundError, ValueError, OSError):
            problem = f"PUBLISHER_SCHEDULE_TIMEZONE must be a time zone name such as Europe/Berlin: {value!r}"
            raise ValueError(problem) from None
    # Event webhooks (issue 16, publisher.automation.webhooks): events fanned out per batch of a sweep.
    webhook_fan_out_batch: int = Field(default=200, ge=1, le=10_000)

    @staticmethod
    def _names(value: str) -> list[str]:
        return [n.strip() for n in value.split(",") if n.strip()]

    @property
    def share_hashtag_list(self) -> list[str]:
        return self._names(self.share_hashtags)

    @property
    def share_on_digest_channels(self) -> list[str]:
        return self._names(self.share_on_digest)

    @property
    def share_on_import_channels(self) -> list[str]:
        return self._names(self.share_on_import)

    @field_validator("language")
    @classmethod
    def _language_tag(cls, value: str) -> str:
        if not _LANGUAGE_TAG.fullmatch(value.strip()):
            raise ValueError(f"PUBLISHER_LANGUAGE must be a language tag such as en or pt-BR: {value!r}")
        return value.strip()

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("accent_colour")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
            raise ValueError(f"PUBLISHER_ACCENT_COLOUR must be a colour like #0b5cad: {value!r}")
        return value.lower()

    @field_validator("media_url")
    @classmethod
    def _media_url(cls, value: str | None) -> str | None:
        if not value or value == "file":
            return None
        if not value.startswith("s3://") or not value[5:].split("/", 1)[0]:
            raise ValueError(f"PUBLISHER_MEDIA_URL is s3://BUCKET/PREFIX (or unset for files): {value!r}")
        return value

    @field_validator("from_")
    @classmethod
    def _valid_from(cls, value: str) -> str:
        if "\r" in value or "\n" in value:
            raise ValueError("PUBLISHER_FROM must be one line")
        if "@" not in parseaddr(value)[1]:
            raise ValueError(f"PUBLISHER_FROM is not an address: {value!r}")
        return value

    @field_validator("rate_limits")
    @classmethod
    def _positive_rates(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [name for name, rate in value.items() if rate <= 0]
        if bad:
            raise ValueError(f"PUBLISHER_RATE_LIMITS must be positive messages per second: {', '.join(bad)}")
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'publisher.db'}"

    @property
    def resolved_broker_url(self) -> str:
        return self.broker_url or "filesystem://"

    @property
    def broker_dir(self) -> Path:
        return self.data_dir / "broker"

    @property
    def outbox_dir(self) -> Path:
        """Where the file channel writes: a Maildir of .eml files and shares.jsonl."""
        return self.data_dir / "outbox"

    @property
    def media_dir(self) -> Path:
        """The filesystem media store's root (when PUBLISHER_MEDIA_URL is not an s3:// URL)."""
        return self.data_dir / "media"

    @property
    def resolved_media_public_url(self) -> str:
        """The URL media keys are appended to: PUBLISHER_MEDIA_PUBLIC_URL, else the store's own address."""
        if self.media_public_url:
            return self.media_public_url.rstrip("/")
        if self.media_url and self.media_url.startswith("s3://"):
            bucket, _, prefix = self.media_url[5:].partition("/")
            endpoint = (self.media_s3_endpoint or f"https://{bucket}.s3.amazonaws.com").rstrip("/")
            base = f"{endpoint}/{bucket}" if self.media_s3_endpoint else endpoint
            return f"{base}/{prefix.strip('/')}" if prefix.strip("/") else base
        return f"{self.base_url}/media"

    @property
    def email_channel(self) -> str:
        """The channel digests go through: SMTP when a server is configured, else the file outbox."""
        return "smtp" if self.smtp_host else "file"

    @property
    def sender_domain(self) -> str:
        return parseaddr(self.from_)[1].rpartition("@")[2].lower()

    @property
    def return_path_domain(self) -> str:
        """The domain of VERP return paths: PUBLISHER_VERP_DOMAIN, else the From domain."""
        return (self.verp_domain or self.sender_domain or "localhost").lower()

    def signing_key(self) -> str:
        """The key for signed links: PUBLISHER_SECRET_KEY, else one generated once into the data dir."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".secret.{secrets.token_hex(8)}")
            tmp.write_text(secrets.token_urlsafe(32))
            tmp.chmod(0o600)
            try:  # link, not rename: when two processes race, the first key wins for both
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        return path.read_text().strip()
