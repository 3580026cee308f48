"""The SMTP channel, by concern: the channel and its one send path (channel), connections with TLS, login,
failover and verify (connection), what replies and failures mean (replies), and the settings (config)."""

from __future__ import annotations

from publisher.channels.smtp.channel import SmtpChannel
from publisher.channels.smtp.config import SmtpConfig, parse_servers

__all__ = ["SmtpChannel", "SmtpConfig", "parse_servers"]
