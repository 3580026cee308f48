"""The double opt-in confirmation mail, rendered once at signup for its one recipient.

It becomes a RenderedDigest like any campaign, so render.message builds it with the same headers (From,
List-Id, List-Unsubscribe, the deterministic Message-ID, Date, DKIM) as a digest.
"""

from __future__ import annotations

import secrets

from publisher.config import Settings
from publisher.render.email import RenderedDigest
from publisher.render.mime import check_header_value
from publisher.render.templates import environment
from publisher.render.urls import confirm_url


def confirmation_subject(settings: Settings) -> str:
    return check_header_value("subject", f"Confirm your subscription to {settings.newsletter_name}")


def render_confirmation(settings: Settings, *, list_name: str, email: str, name: str, token: str) -> RenderedDigest:
    """The confirmation mail for one pending subscription; its link carries the signed token.

    The address and name are written in at once (there is one recipient); the placeholder key is fresh, so
    nothing a subscriber typed can be taken for a personal field.
    """
    context = {
        "newsletter_name": settings.newsletter_name,
        "list_name": list_name,
        "email": email,
        "name": name,
        "confirm_url": confirm_url(settings, token),
        "max_age_hours": int(settings.confirm_max_age_hours),
    }
    env = environment(settings.templates_dir)
    return RenderedDigest(
        subject=confirmation_subject(settings),
        html=env.get_template("email/confirm.html.j2").render(context),
        text=env.get_template("email/confirm.txt.j2").render(context),
        key=secrets.token_hex(6),
    )
