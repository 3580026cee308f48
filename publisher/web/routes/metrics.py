"""GET /metrics: the Prometheus text format (publisher.insight.metrics), for loopback or a bearer token.

By default only a client on this machine (127.0.0.1, ::1) may read it, and not through a proxy: a request
carrying Forwarded or X-Forwarded-For came from somewhere else. From anywhere else it takes
`Authorization: Bearer PUBLISHER_METRICS_TOKEN`. The counts are read in a read-only transaction.
"""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from publisher.insight.metrics import exposition
from publisher.web.deps import get_settings, get_store
from publisher.web.security import bearer_matches

router = APIRouter()
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def from_loopback(request: Request) -> bool:
    """Whether the client is this machine itself, not a proxy forwarding someone else."""
    if request.client is None or any(name in request.headers for name in PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:  # "testclient", a Unix socket
        return False


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    settings = get_settings(request)
    if not (from_loopback(request) or bearer_matches(request, settings.metrics_token)):
        if settings.metrics_token is None:
            return PlainTextResponse("metrics are served to this machine only (PUBLISHER_METRICS_TOKEN)\n", 403)
        return PlainTextResponse(
            "metrics need Authorization: Bearer <PUBLISHER_METRICS_TOKEN>\n", 401, {"WWW-Authenticate": "Bearer"}
        )
    body = exposition(get_store(request))
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
