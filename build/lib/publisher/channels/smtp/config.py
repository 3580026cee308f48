"""SMTP settings: one server's configuration, and the server list PUBLISHER_SMTP_HOST names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from publisher.config import Settings
from publisher.errors import ConfigError

SECURITY = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    security: str = "none"  # none | starttls | ssl
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    local_hostname: str | None = None
    ca_file: str | Path | None = None  # PEM CAs trusted instead of the system's (starttls and ssl)

    def __repr__(self) -> str:  # never show the password
        return f"SmtpConfig(host={self.host!r}, port={self.port}, security={self.security!r})"

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def parse_servers(spec: str, default_port: int) -> list[tuple[str, int]]:
    """`host[:port][,host[:port]...]` (PUBLISHER_SMTP_HOST) as (host, port) pairs, in failover order."""
    servers: list[tuple[str, int]] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        host, sep, port = item.rpartition(":") if item.count(":") == 1 else (item, "", "")
        if not sep:
            host, port = item, ""
        if not host or (port and not port.isdigit()):
            raise ValueError(f"not a host[:port]: {item!r}")
        servers.append((host, int(port) if port else default_port))
    if not servers:
        raise ValueError("no SMTP server named")
    return servers


def configs_from(settings: Settings) -> list[SmtpConfig]:
    """One SmtpConfig per server in PUBLISHER_SMTP_HOST, each with the shared security and login settings."""
    if not settings.smtp_host:
        raise ConfigError("the smtp channel needs PUBLISHER_SMTP_HOST")
    try:
        servers = parse_servers(settings.smtp_host, settings.smtp_port)
    except ValueError as exc:
        raise ConfigError(f"PUBLISHER_SMTP_HOST: {exc}") from None
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return [
        SmtpConfig(
            host=host,
            port=port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=password,
            timeout=settings.smtp_timeout,
            ca_file=settings.smtp_ca_file,
        )
        for host, port in servers
    ]
