"""A list's welcome mail and sequence in the API (issue 16): read the steps, put one, delete one.

Its own module beside api.py, with the same token scopes and error bodies: reading needs "read"; putting or
deleting a step needs "send", since a step mails readers. A bad step is a 422 naming the problem (the delay,
an empty subject or body, a line break in the subject), and nothing is stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path, Request, Response
from pydantic import BaseModel, Field

from publisher.automation import sequences
from publisher.web.deps import DbId, get_services, get_store
from publisher.web.routes.api import api_router
from publisher.web.security import READ, SEND

router = api_router()

Position = Annotated[int, Path(ge=0, le=99, description="The step's number: 0 is the welcome mail")]


class StepIn(BaseModel):
    after_days: int = Field(default=0, ge=0, le=3650, description="Days after the reader's subscription became active")
    subject: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=200_000, description="The mail's text, in Markdown")
    enabled: bool | None = Field(default=None, description="Whether it mails anyone (default: as it was; new: yes)")


class StepOut(BaseModel):
    list: str
    step: int
    after_days: int
    subject: str
    body: str
    enabled: bool
    campaign_id: int | None = Field(description="The campaign of its current rendering (kind sequence)")
    campaign_state: str | None
    starts_at: datetime = Field(description="Readers who became active before this are never mailed it")
    counts: dict[str, int] = Field(description="Its mails per outbox state, over every rendering")


def _out(step: sequences.Step) -> StepOut:
    return StepOut(**step.to_dict())


@router.get("/lists/{list_id}/sequence", openapi_extra=READ, summary="A list's welcome mail and sequence, in order")
def api_sequence(list_id: DbId, request: Request) -> list[StepOut]:
    store = get_store(request)
    return [_out(step) for step in sequences.list_steps(store, sequences.list_name_of(store, list_id))]


@router.put(
    "/lists/{list_id}/sequence/{position}",
    openapi_extra=SEND,
    summary="Create or replace a step; it mails readers who become active from now on",
)
def api_put_step(list_id: DbId, position: Position, body: StepIn, request: Request) -> StepOut:
    s = get_services(request)
    name = sequences.list_name_of(s.store, list_id)
    step = sequences.set_step(
        s.store, s.settings, name, position, body.after_days, body.subject, body.body, enabled=body.enabled
    )
    return _out(step)


@router.delete("/lists/{list_id}/sequence/{position}", openapi_extra=SEND, status_code=204, summary="Remove a step")
def api_delete_step(list_id: DbId, position: Position, request: Request) -> Response:
    store = get_store(request)
    sequences.remove_step(store, sequences.list_name_of(store, list_id), position)
    return Response(status_code=204)
