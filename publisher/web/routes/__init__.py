"""Routers, one module per area; create_app includes every router listed here."""

from fastapi import APIRouter

from publisher.web.routes import consent, public

ROUTERS: list[APIRouter] = [public.router]
ROUTERS.append(consent.router)  # public consent pages and endpoints (issue 5)
