"""Welcome mail and sequences (issue 16): a list's steps, each mailed `delay_days` after a reader became active.

Step 0 with delay 0 is the welcome mail; "mail N after D days" are the steps after it. Each step is rendered
once into a campaign of kind "sequence" (automation.sequences_render), which stays "sending" while it is the
step's campaign: a reader's mail of the step is an outbox row of it, like any other send, queued when the step
comes due and delivered by the same workers, retries and bounce handling.

Who gets a step: a reader whose subscription is active, became active (`activated_at`: a confirmation, an
editor's, the API's or the CLI's add; never a CSV import) at or after the step was made (`starts_at`), at
least `delay_days` ago, and who has no row in any rendering of this step yet. A reader who left gets no
further step (not queued; and delivery checks "active" again when it sends).

Every worker's periodic sweep calls queue_due, and a confirmation calls it for its list at once so the welcome
goes out in seconds. Two sweepers at once queue each mail once: the step's row is locked while its mails are
queued (PostgreSQL), the INSERT skips readers who have a row, and the unique outbox key makes a second insert a
no-op. A sweeper that dies after queuing leaves rows that the sweep dispatches again (campaigns.dispatch).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Insert, exists, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from publisher import publication
from publisher.automation.sequences_render import DISABLED, check_step_input, step_campaign
from publisher.campaigns import control
from publisher.campaigns.archive import public_copy
from publisher.campaigns.dispatch import dispatch_campaign
from publisher.channels import open_channel
from publisher.config import Settings
from publisher.errors import Conflict, NotFound
from publisher.runtime import Services
from publisher.states import ACTIVE_CAMPAIGNS, CampaignState, RowState
from publisher.store import Store
from publisher.store.automation import SequenceStep
from publisher.store.models import Campaign, MailingList, OutboxRow, Subscription, utcnow
from publisher.store.progress import finish_if_done, rows_changed
from publisher.store.types import aware_utc
from publisher.subscribers import get_list

log = logging.getLogger(__name__)

_COLUMNS = ["campaign_id", "recipient_id", "channel", "state", "attempts"]
# A step's campaign in these states takes new rows (paused: they wait for it to resume).
_TAKES_ROWS = (*ACTIVE_CAMPAIGNS, CampaignState.PAUSED)
LATE_AFTER = timedelta(minutes=10)  # later than this after its due time, a queued step mail is logged as late


@dataclass(frozen=True)
class Step:
    """A step as the editor, the API and the CLI show it, with its mails counted over every rendering."""

    list_name: str
    position: int
    delay_days: int
    subject: str
    body: str
    enabled: bool
    campaign_id: int | None
    campaign_state: str | None
    starts_at: datetime
    counts: dict[str, int]

    @property
    def label(self) -> str:
        if self.position == 0 and self.delay_days == 0:
            return "Welcome mail"
        days = "day" if self.delay_days == 1 else "days"
        return f"Mail {self.position}, {self.delay_days} {days} after joining"

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.list_name,
            "step": self.position,
            "after_days": self.delay_days,
            "subject": self.subject,
            "body": self.body,
            "enabled": self.enabled,
            "campaign_id": self.campaign_id,
            "campaign_state": self.campaign_state,
            "starts_at": self.starts_at.isoformat(),
            "counts": self.counts,
        }


# --- the editor's side ------------------------------------------------------------------------------------


def set_step(
    store: Store,
    settings: Settings,
    list_name: str,
    position: int,
    delay_days: int,
    subject: str,
    body_markdown: str,
    *,
    enabled: bool | None = None,
    now: datetime | None = None,
) -> Step:
    """Create or replace a step; it is rendered now into a new campaign, which mails the readers it has not.

    A new step counts from `now`: readers who became active before it was made are never mailed it. An edit
    keeps that time, and readers already mailed an earlier rendering are not mailed again; mails already
    queued go out as they were rendered. enabled: None keeps the step's (a new step is enabled).
    """
    subject, body_markdown = check_step_input(position, delay_days, subject, body_markdown)
    open_channel(settings.email_channel, settings).close()  # a configuration error shows now, not in a worker
    settings = publication.effective(store, settings)
    try:
        return _set_step(store, settings, list_name, position, delay_days, subject, body_markdown, enabled, now)
    except IntegrityError:  # two editors created this step at once: the unique (list, position) let one in
        raise Conflict(f"step {position} of list {list_name!r} was just created by someone else; try again") from None


def _set_step(
    store: Store,
    settings: Settings,
    list_name: str,
    position: int,
    delay_days: int,
    subject: str,
    body_markdown: str,
    enabled: bool | None,
    now: datetime | None,
) -> Step:
    with store.session() as session:
        mailing_list = get_list(session, list_name)
        step = _step(session, mailing_list, position, for_update=True, missing_ok=True)
        if step is None:
            step = SequenceStep(list_id=mailing_list.id, position=position, starts_at=now or utcnow(), enabled=True)
            session.add(step)
        step.delay_days, step.subject, step.body = delay_days, subject, body_markdown
        if enabled is not None:
            step.enabled = enabled
        session.flush()
        earlier = step.campaign_id
        step.campaign_id = step_campaign(session, settings, mailing_list, step).id
        session.flush()
        if earlier is not None:
            _retire(session, earlier)
        return _view(session, mailing_list, step)


def _retire(session: Session, campaign_id: int) -> None:
    """A rendering that is no longer the step's: done once its queued mails are; held (the step was disabled,
    or an operator paused it), its queued mails are cancelled, and the new rendering mails those readers."""
    campaign = session.get(Campaign, campaign_id, with_for_update=True)
    if campaign is not None and campaign.state == CampaignState.PAUSED:
        campaign.state, campaign.finished_at = CampaignState.CANCELLED, utcnow()
        rows_changed(
            session,
            update(OutboxRow)
            .where(OutboxRow.campaign_id == campaign_id, OutboxRow.state == RowState.QUEUED)
            .values(state=RowState.CANCELLED, updated_at=utcnow()),
        )
    session.flush()
    finish_if_done(session, campaign_id)


def remove_step(store: Store, list_name: str, position: int) -> None:
    """Remove a step: nobody is queued it any more; mails already queued go out."""
    with store.session() as session:
        mailing_list = get_list(session, list_name)
        step = _step(session, mailing_list, position, for_update=True)
        campaign_id = step.campaign_id
        session.delete(step)
        session.flush()
        if campaign_id is not None:
            finish_if_done(session, campaign_id)


def list_steps(store: Store, list_name: str) -> list[Step]:
    """The list's steps in order, with their mails counted (NotFound for an unknown list)."""
    with store.session() as session:
        mailing_list = get_list(session, list_name)
        steps = session.scalars(
            select(SequenceStep).where(SequenceStep.list_id == mailing_list.id).order_by(SequenceStep.position)
        ).all()
        return [_view(session, mailing_list, step) for step in steps]


def get_step(store: Store, list_name: str, position: int) -> Step:
    """One step (NotFound when the list has no step at this position)."""
    with store.session() as session:
        mailing_list = get_list(session, list_name)
        return _view(session, mailing_list, _step(session, mailing_list, position))


def set_enabled(services: Services, list_name: str, position: int, enabled: bool) -> Step:
    """Enable or disable a step. Disabled, it queues nobody and its queued mails wait (its campaign pauses)."""
    store = services.store
    with store.session() as session:
        mailing_list = get_list(session, list_name)
        step = _step(session, mailing_list, position, for_update=True)
        step.enabled = enabled
        campaign_id = step.campaign_id
        state = session.scalar(select(Campaign.state).where(Campaign.id == campaign_id)) if campaign_id else None
    if campaign_id is not None and not enabled and state in ACTIVE_CAMPAIGNS:
        control.pause(store, campaign_id, DISABLED)
    elif campaign_id is not None and enabled and state == CampaignState.PAUSED:
        control.resume(store, services.settings, services.dispatcher, campaign_id)
    if enabled:
        queue_due(services, now=services.clock.now(), list_id=mailing_list.id)
    return get_step(store, list_name, position)


def _step(
    session: Session, mailing_list: MailingList, position: int, *, for_update: bool = False, missing_ok: bool = False
) -> Any:  # noqa: ANN401 - SequenceStep, or None with missing_ok
    query = select(SequenceStep).where(SequenceStep.list_id == mailing_list.id, SequenceStep.position == position)
    step = session.scalar(query.with_for_update() if for_update else query)
    if step is None and not missing_ok:
        raise NotFound(f"list {mailing_list.name!r} has no sequence step {position}")
    return step


def _view(session: Session, mailing_list: MailingList, step: SequenceStep) -> Step:
    counts = {state.value: 0 for state in RowState}
    counts.update(
        session.execute(
            select(OutboxRow.state, func.count())
            .join(Campaign, Campaign.id == OutboxRow.campaign_id)
            .where(Campaign.sequence_step_id == step.id)
            .group_by(OutboxRow.state)
        ).all()
    )
    state = session.scalar(select(Campaign.state).where(Campaign.id == step.campaign_id)) if step.campaign_id else None
    return Step(
        mailing_list.name,
        step.position,
        step.delay_days,
        step.subject,
        step.body,
        step.enabled,
        step.campaign_id,
        state,
        aware_utc(step.starts_at),
        counts,
    )


# --- the sweep's side -------------------------------------------------------------------------------------


def queue_due(services: Services, *, now: datetime, list_id: int | None = None) -> int:
    """Queue every step mail due at `now` (of one list, with list_id) and dispatch them; how many were queued."""
    store, settings = services.store, services.settings
    where: list[ColumnElement[bool]] = [SequenceStep.enabled.is_(True), SequenceStep.campaign_id.is_not(None)]
    if list_id is not None:
        where.append(SequenceStep.list_id == list_id)
    with store.session() as session:
        step_ids = session.scalars(select(SequenceStep.id).where(*where).order_by(SequenceStep.id)).all()
    queued: dict[int, int] = {}
    for step_id in step_ids:
        with store.session() as session:
            campaign_id, count = _queue_step(session, step_id, now, settings.email_channel)
        if count:
            queued[campaign_id] = queued.get(campaign_id, 0) + count
    for campaign_id in queued:  # after commit: a worker claims only committed rows
        dispatch_campaign(store, settings, services.dispatcher, campaign_id, pending_only=True)
    total = sum(queued.values())
    if total:
        log.info("sequences: queued %d mail(s) in %d step(s)", total, len(queued))
    return total


def welcome(services: Services, list_id: int) -> int:
    """Queue at once what is due for this list (a confirmation's welcome mail); the sweep is the guarantee."""
    try:
        return queue_due(services, now=services.clock.now(), list_id=list_id)
    except Exception:  # the reader is confirmed either way; the next sweep queues the welcome
        log.exception("sequences: the welcome mail of list %d could not be queued now; the sweep will", list_id)
        return 0


def _queue_step(session: Session, step_id: int, now: datetime, channel: str) -> tuple[int, int]:
    """Queue one step's due mails in the caller's transaction: (its campaign, how many rows were added)."""
    # Locked for the insert: a second sweeper (or an edit) waits, then sees these rows (PostgreSQL).
    step = session.scalar(select(SequenceStep).where(SequenceStep.id == step_id).with_for_update())
    if step is None or not step.enabled or step.campaign_id is None:
        return 0, 0
    state = session.scalar(select(Campaign.state).where(Campaign.id == step.campaign_id))
    if state not in _TAKES_ROWS:  # cancelled by an editor: saving the step again renders a new campaign
        return step.campaign_id, 0
    renderings = select(Campaign.id).where(Campaign.sequence_step_id == step.id)
    mailed = exists().where(  # a mail cancelled with a held rendering does not count: the new one sends it
        OutboxRow.recipient_id == Subscription.subscriber_id,
        OutboxRow.campaign_id.in_(renderings),
        OutboxRow.state != RowState.CANCELLED,
    )
    queued = literal(RowState.QUEUED.value)
    rows = select(literal(step.campaign_id), Subscription.subscriber_id, literal(channel), queued, literal(0)).where(
        Subscription.list_id == step.list_id,
        Subscription.status == "active",
        Subscription.activated_at.is_not(None),
        Subscription.activated_at >= step.starts_at,
        Subscription.activated_at <= now - timedelta(days=step.delay_days),
        ~mailed,
    )
    added = session.scalars(_insert_new(session, rows).returning(OutboxRow.recipient_id)).all()
    if added:
        _say_if_late(session, step, list(added), now)
    return step.campaign_id, len(added)


def _say_if_late(session: Session, step: SequenceStep, recipients: list[int], now: datetime) -> None:
    """Log a step queued well after it was due (every worker was down): it goes out once, late, and says so."""
    earliest = session.scalar(
        select(func.min(Subscription.activated_at)).where(
            Subscription.list_id == step.list_id, Subscription.subscriber_id.in_(recipients)
        )
    )
    if earliest is None:
        return
    late = now - (aware_utc(earliest) + timedelta(days=step.delay_days))
    if late > LATE_AFTER:
        log.warning(
            "sequences: step %d of list %d queued %d mail(s), up to %d min late (were the workers down?)",
            step.position,
            step.list_id,
            len(recipients),
            late.total_seconds() // 60,
        )


def _insert_new(session: Session, rows: Any) -> Insert:  # noqa: ANN401 - a Select
    """INSERT ... SELECT ... ON CONFLICT DO NOTHING, on PostgreSQL and on SQLite."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(OutboxRow).from_select(_COLUMNS, rows).on_conflict_do_nothing()


def steps_of_lists(store: Store, list_ids: Sequence[int]) -> dict[int, int]:
    """How many steps each of these lists has (the lists page shows it)."""
    with store.session() as session:
        return dict(
            session.execute(
                select(SequenceStep.list_id, func.count())
                .where(SequenceStep.list_id.in_(list(list_ids)))
                .group_by(SequenceStep.list_id)
            ).all()
        )


def list_name_of(store: Store, list_id: int) -> str:
    """The name of the list with this id (NotFound otherwise): the editor's and the API's pages name lists by id."""
    with store.session() as session:
        name = session.scalar(select(MailingList.name).where(MailingList.id == list_id))
    if name is None:
        raise NotFound(f"no list with id {list_id}")
    return name


def preview_html(store: Store, list_name: str, position: int) -> str:
    """The step's mail as it went out, without its personal parts (campaigns.archive's public copy)."""
    shown = get_step(store, list_name, position)
    with store.session() as session:
        campaign = session.get(Campaign, shown.campaign_id) if shown.campaign_id else None
        if campaign is None:
            raise NotFound(f"step {position} of list {list_name!r} has no rendering; save it again")
        return public_copy(campaign.body_html, campaign.render_key)
