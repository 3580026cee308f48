"""Placeholder until its helper lands (issue 16)."""

from __future__ import annotations

from datetime import datetime

from publisher.runtime import Services


def queue_due(services: Services, *, now: datetime) -> int:
    """Do what is due at `now`; returns how many were done."""
    return 0
