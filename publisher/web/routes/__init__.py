"""Routers, one module per area; create_app includes every router listed here."""

from fastapi import APIRouter

from publisher.web.routes import public

ROUTERS: list[APIRouter] = [public.router]
