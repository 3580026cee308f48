"""Rendering: the email digest (once per campaign) and share posts (once per channel)."""
