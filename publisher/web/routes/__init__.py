"""Routers, one module per area; create_app includes every router listed here."""

from fastapi import APIRouter

from publisher.web.routes import (
    api,
    archive,
    auth,
    consent,
    editor_articles,
    editor_campaigns,
    editor_people,
    public,
)

ROUTERS: list[APIRouter] = [
    public.router,
    archive.router,
    consent.router,  # public consent pages and endpoints (issue 5)
    auth.router,
    editor_people.router,
    editor_articles.router,
    editor_campaigns.router,
    api.router,
]
