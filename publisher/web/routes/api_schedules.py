"""Recurring digests in the API (issue 16): the schedules, pausing and resuming them, their latest runs.

Its own module beside api.py, with the same token scopes and error bodies: reading needs `read`, the rest
`send` (a schedule sends digests). Bad input is a 422 whose detail names the problem.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Request, Response
from pydantic import BaseModel, Field

from publisher.automation import recurring
from publisher.web.deps import get_services, get_store
from publisher.web.routes.api import api_router
from publisher.web.security import READ, SEND

router = api_router()

Id = Annotated[int, Path(ge=1, le=2_147_483_647)]


class ScheduleIn(BaseModel):
    list: str = Field(min_length=1, max_length=200, description="The list the digest goes to")
    spec: str = Field(
        min_length=1,
        max_length=200,
        description='"every friday 08:00", "daily 07:00", "weekdays 06:30", "first monday of the month 09:00", '
        '"each article"',
    )
    timezone: str | None = Field(
        default=None, max_length=64, description="IANA zone (default PUBLISHER_SCHEDULE_TIMEZONE)"
    )
    cadence: str | None = Field(default=None, max_length=20, description="daily or weekly: only those readers")
    subject_template: str = Field(
        default="", max_length=300, description="{date}, {date:%d %B}, {count}, {first_title}"
    )
    full: bool | None = Field(default=None, description="Articles in full (true) or as summaries (false)")
    preheader: str | None = Field(default=None, max_length=300)
    auto_share: bool = Field(default=True, description="Share the articles to PUBLISHER_SHARE_ON_DIGEST's channels")


class RunOut(BaseModel):
    id: int
    due_at: datetime
    ran_at: datetime
    outcome: str = Field(description="running, retrying, sent, skipped or failed")
    detail: str = Field(description='Why it was skipped, the error, "ran N min late", ...')
    campaign_id: int | None


class ScheduleOut(BaseModel):
    id: int
    list: str
    spec: str = Field(description="The spec in its normal form")
    timezone: str
    cadence: str | None
    subject_template: str
    options: dict[str, Any]
    paused: bool
    next_run_at: datetime | None = Field(description="UTC; null while paused or for each article")
    next_run_local: datetime | None = Field(description="The next run in the schedule's zone")
    collect_since: datetime
    runs: builtins.list[RunOut] = Field(description="The latest runs, newest first")


def _out(view: recurring.ScheduleView) -> ScheduleOut:
    data = view.to_dict()
    return ScheduleOut(
        id=view.id,
        list=view.list_name,
        spec=view.spec,
        timezone=view.zone,
        cadence=view.cadence,
        subject_template=view.subject_template,
        options=view.options,
        paused=view.paused,
        next_run_at=view.next_run_at,
        next_run_local=view.next_run_local,
        collect_since=view.collect_since,
        runs=[RunOut(**run) for run in data["runs"]],
    )


@router.get("/schedules", openapi_extra=READ, summary="Every recurring digest schedule and its latest runs")
def api_schedules(request: Request) -> list[ScheduleOut]:
    return [_out(view) for view in recurring.list_schedules(get_store(request))]


@router.get("/schedules/{schedule_id}", openapi_extra=READ, summary="One schedule and its latest runs")
def api_schedule(request: Request, schedule_id: Id) -> ScheduleOut:
    return _out(recurring.get_schedule(get_store(request), schedule_id))


@router.post("/schedules", openapi_extra=SEND, status_code=201, summary="Add a recurring digest to a list")
def api_add_schedule(request: Request, body: ScheduleIn) -> ScheduleOut:
    s = get_services(request)
    options: dict[str, Any] = {"full": body.full, "preheader": body.preheader}
    if not body.auto_share:
        options["auto_share"] = False
    view = recurring.add_schedule(
        s.store,
        body.list,
        body.spec,
        body.timezone,
        cadence=body.cadence,
        subject_template=body.subject_template,
        options=options,
        default_tz=s.settings.schedule_timezone,
        now=s.clock.now(),
    )
    return _out(view)


@router.post("/schedules/{schedule_id}/pause", openapi_extra=SEND, summary="Pause a schedule")
def api_pause_schedule(request: Request, schedule_id: Id) -> ScheduleOut:
    return _out(recurring.pause(get_store(request), schedule_id))


@router.post("/schedules/{schedule_id}/resume", openapi_extra=SEND, summary="Resume a schedule from its next due time")
def api_resume_schedule(request: Request, schedule_id: Id) -> ScheduleOut:
    s = get_services(request)
    return _out(recurring.resume(s.store, schedule_id, now=s.clock.now()))


@router.delete("/schedules/{schedule_id}", openapi_extra=SEND, status_code=204, summary="Remove a schedule")
def api_remove_schedule(request: Request, schedule_id: Id) -> Response:
    recurring.remove(get_store(request), schedule_id)
    return Response(status_code=204)
