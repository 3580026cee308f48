"""A campaign's report in the API (issue 15): GET /api/campaigns/{id}/report, with the `read` scope.

The body is the report's stable JSON shape (publisher.insight.report documents it), the same as
`publisher report ID --format json`; 404 {"detail": "no campaign with id ..."} for an unknown id.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from publisher.insight.report import campaign_report
from publisher.web import limits
from publisher.web.deps import get_services
from publisher.web.routes.api import ERRORS, Id
from publisher.web.security import READ, require_scope

router = APIRouter(
    prefix="/api",
    tags=["api"],
    dependencies=[Depends(require_scope)],
    responses=ERRORS,
    route_class=limits.JsonTextRoute,
)


@router.get(
    "/campaigns/{campaign_id}/report",
    openapi_extra=READ,
    summary="A campaign's report: delivery, bounces, opens and clicks (people and machines), links, posts",
)
def api_report(request: Request, campaign_id: Id) -> dict[str, Any]:
    services = get_services(request)
    return campaign_report(services.store, campaign_id, settings=services.settings).to_dict()
