"""Delivery channels: one contract (channels.base.Channel), one module per network (channels/networks/).

The registry (channels.registry) knows every network; this package re-exports what callers need.
Importing it loads no network SDK: a channel's SDK is imported when the channel is opened.
"""

from __future__ import annotations

from publisher.channels.account import Account, network_of
from publisher.channels.base import (
    Attachment,
    Channel,
    ChannelError,
    ConnectionFailed,
    Email,
    MediaRule,
    Message,
    PermanentError,
    Post,
    PostCounts,
    RecipientRejected,
    Result,
    SetupFailed,
    TextLimits,
    ThreadProgress,
    TransientError,
    WebhookCall,
)
from publisher.channels.network import Check, Network
from publisher.channels.registry import (
    QUEUES,
    limits_for,
    network,
    network_for,
    open_channel,
    queue_for_channel,
    share_channels,
    social_accounts,
)

__all__ = [
    "QUEUES",
    "Account",
    "Attachment",
    "Channel",
    "ChannelError",
    "Check",
    "ConnectionFailed",
    "Email",
    "MediaRule",
    "Message",
    "Network",
    "PermanentError",
    "Post",
    "PostCounts",
    "RecipientRejected",
    "Result",
    "SetupFailed",
    "TextLimits",
    "ThreadProgress",
    "TransientError",
    "WebhookCall",
    "limits_for",
    "network",
    "network_for",
    "network_of",
    "open_channel",
    "queue_for_channel",
    "share_channels",
    "social_accounts",
]
