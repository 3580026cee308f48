"""The web app: editors' pages, public article pages and the REST API (FastAPI + Jinja2)."""

from publisher.web.app import create_app

__all__ = ["create_app"]
