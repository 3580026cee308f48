"""Running recurring digests: the sweep's run_due, safe with many sweepers and across crashes.

For each schedule that is due (next_run_at <= now, not paused), the sweeper INSERTs a DigestRun for the
latest due time <= now, outcome "running", and moves next_run_at past now, in one transaction. The run's
unique (schedule, due_at) lets exactly one sweeper's insert succeed; the others roll back and do nothing. A
schedule that missed several due times while no worker swept runs once, for the latest, and says so.

The winner then collects the articles published in (collect_since, due_at] that this list's readers of this
cadence were not mailed yet, and sends them with campaigns.service.send_digest under the submission token
"digest-run-<id>", and records the outcome (sent, skipped, failed). If the process dies between the claim and
the outcome, the run stays "running": once it is older than PUBLISHER_LEASE_SECONDS the next sweep claims it
again (a conditional UPDATE to "retrying", so one sweeper does) and runs it once more; if the campaign had
been made, the token finds it, so nothing is sent twice, and the outbox sweep delivers what is pending.
A run that is abandoned twice is marked failed. "each article" schedules (cadence "instant") run whenever an
article was published since their last run, with due_at the newest article's publication time.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from publisher.automation.cadence_spec import INSTANT, parse_spec
from publisher.automation.recurring_subject import render_subject
from publisher.campaigns.duplicates import submitted_campaign
from publisher.campaigns.outbox import cadence_is
from publisher.errors import PublisherError
from publisher.runtime import Services
from publisher.states import CampaignKind, CampaignState
from publisher.store.automation import DigestRun, DigestSchedule, Feed, FeedEntry
from publisher.store.models import ArticleRow, Campaign, CampaignArticle, CampaignList, MailingList, Subscription
from publisher.store.progress import rows_changed

log = logging.getLogger(__name__)

RUNNING, RETRYING = "running", "retrying"


def run_due(services: Services, *, now: datetime) -> int:
    """Run every schedule due at `now` and retry runs abandoned for a lease; returns how many runs finished."""
    done = 0
    for run_id in _stale_runs(services, now):
        done += _execute(services, run_id)
    for run_id in _claim_due(services, now):
        done += _execute(services, run_id)
    return done


def _claim_due(services: Services, now: datetime) -> list[int]:
    store = services.store
    with store.session() as session:
        timed = session.scalars(
            select(DigestSchedule.id).where(
                DigestSchedule.paused.is_(False),
                DigestSchedule.next_run_at.is_not(None),
                DigestSchedule.next_run_at <= now,
            )
        ).all()
        instant = session.scalars(
            select(DigestSchedule.id).where(DigestSchedule.paused.is_(False), DigestSchedule.spec == INSTANT)
        ).all()
    claimed = []
    for schedule_id in [*timed, *instant]:
        run_id = _claim(services, schedule_id, now)
        if run_id is not None:
            claimed.append(run_id)
    return claimed


def _claim(services: Services, schedule_id: int, now: datetime) -> int | None:
    """Insert this schedule's run for its latest due time; None if nothing is due or another sweeper won."""
    late_after = timedelta(minutes=services.settings.schedule_late_minutes)
    try:
        with services.store.session() as session:
            row = session.get(DigestSchedule, schedule_id)
            if row is None or row.paused:
                return None
            detail = ""
            if row.spec == INSTANT:
                due = _newest_article(session, row, now)
                if due is None:
                    return None
            else:
                if row.next_run_at is None or row.next_run_at > now:
                    return None
                spec = parse_spec(row.spec, row.timezone)
                latest, count = spec.latest(row.next_run_at - timedelta(microseconds=1), now)
                due = latest or row.next_run_at
                if now - due > late_after:
                    detail = f"ran {int((now - due) / timedelta(minutes=1))} min late"
                if count > 1:
                    detail += f"; {count - 1} earlier due time{'s' if count > 2 else ''} missed while no worker swept"
                row.next_run_at = spec.next_after(now)
            run = DigestRun(schedule_id=schedule_id, due_at=due, ran_at=now, outcome=RUNNING, detail=detail.strip("; "))
            session.add(run)
            session.flush()
            return run.id
    except IntegrityError:  # another sweeper inserted this due time first: it runs it
        return None


def _stale_runs(services: Services, now: datetime) -> list[int]:
    """Runs whose sweeper stopped mid-way (older than a lease): each claimed by one sweeper, retried once."""
    lease = timedelta(seconds=services.settings.lease_seconds)
    claimed = []
    with services.store.session() as session:
        stale = session.execute(
            select(DigestRun.id, DigestRun.outcome, DigestRun.ran_at).where(
                DigestRun.outcome.in_((RUNNING, RETRYING)), DigestRun.ran_at < now - lease
            )
        ).all()
    for run_id, outcome, ran_at in stale:
        with services.store.session() as session:
            again = outcome == RUNNING
            changed = rows_changed(
                session,
                update(DigestRun)
                .where(DigestRun.id == run_id, DigestRun.outcome == outcome, DigestRun.ran_at == ran_at)
                .values(
                    outcome=RETRYING if again else "failed",
                    ran_at=now if again else ran_at,
                    detail=_joined(
                        session.scalar(select(DigestRun.detail).where(DigestRun.id == run_id)) or "",
                        "retried: the worker running it stopped" if again else "its worker stopped twice; not retried",
                    ),
                ),
            )
        if changed == 1 and again:
            claimed.append(run_id)
    return claimed


def _execute(services: Services, run_id: int) -> int:
    """Collect and send one claimed run, and record what came of it; 1 when it finished."""
    from publisher.campaigns.service import send_digest  # lazy: the service layer loads rendering

    with services.store.session() as session:
        run = session.get(DigestRun, run_id)
        row = session.get(DigestSchedule, run.schedule_id) if run is not None else None
        if run is None or row is None:
            return 0
        list_name = session.scalar(select(MailingList.name).where(MailingList.id == row.list_id)) or ""
        since, due, cadence, zone = row.collect_since, run.due_at, row.cadence, row.timezone
        template, options = row.subject_template, dict(row.options or {})
        token = f"digest-run-{run_id}"
        made = submitted_campaign(session, token)  # a retry of a run whose worker died after the campaign
        articles = _collect(session, row, since, due) if made is None else []
        readers = _readers(session, row.list_id, cadence)
    if made is not None:
        return _finish(services, run_id, "sent", "its campaign was made before the worker stopped", due, made)
    local_since = since.astimezone(ZoneInfo(zone))
    if not articles:
        return _finish(services, run_id, "skipped", f"no new article since {local_since:%Y-%m-%d %H:%M} {zone}", due)
    if not readers:
        who = f"with the cadence {cadence!r}" if cadence else "on the list"
        return _finish(services, run_id, "skipped", f"no active reader {who}", due)
    try:
        subject = render_subject(template, due.astimezone(local_since.tzinfo), len(articles), articles[0][1])
        campaign_id = send_digest(
            services,
            [article_id for article_id, _ in articles],
            list_name,
            subject=subject,
            full=options.get("full"),
            preheader=options.get("preheader"),
            auto_share=bool(options.get("auto_share", True)),
            submission=token,
            force=True,  # collected without what this list's readers of this cadence were mailed already
            cadence=cadence,
        )
    except PublisherError as exc:
        count = f"{len(articles)} article{'s' if len(articles) != 1 else ''}"
        with services.store.session() as session:
            made = submitted_campaign(session, token)
        if made is not None:  # made, then not handed to the broker: the outbox sweep dispatches it later
            return _finish(services, run_id, "sent", f"{count}; {exc}", due, made)
        log.warning("recurring digest run %s failed: %s", run_id, exc)
        return _finish(services, run_id, "failed", str(exc), None)  # the articles stay candidates of the next run
    except Exception:  # left "running": after a lease the next sweep retries it once
        log.exception("recurring digest run %s failed; it is retried after a lease", run_id)
        return 0
    count = f"{len(articles)} article{'s' if len(articles) != 1 else ''}"
    return _finish(services, run_id, "sent", count, due, campaign_id)


def _finish(
    services: Services,
    run_id: int,
    outcome: str,
    detail: str,
    collected_to: datetime | None,
    campaign_id: int | None = None,
) -> int:
    """Record the outcome; a sent or skipped run moves its schedule's collect_since up to its due time."""
    log.info("recurring digest run %s: %s %s", run_id, outcome, detail)
    with services.store.session() as session:
        run = session.get(DigestRun, run_id)
        if run is None:
            return 0
        run.outcome, run.campaign_id = outcome, campaign_id
        run.detail = _joined(run.detail, detail)
        if collected_to is not None:
            session.execute(
                update(DigestSchedule)
                .where(DigestSchedule.id == run.schedule_id, DigestSchedule.collect_since < collected_to)
                .values(collect_since=collected_to),
                execution_options={"synchronize_session": False},
            )
    return 1


def _joined(first: str, second: str) -> str:
    return "; ".join(part for part in (second, first) if part)


def _candidates(row: DigestSchedule) -> list[ColumnElement[bool]]:
    """Conditions on ArticleRow: not imported by another list's feed, not mailed to these readers yet."""
    other_feed = exists().where(
        FeedEntry.article_id == ArticleRow.id,
        Feed.id == FeedEntry.feed_id,
        Feed.list_id.is_not(None),
        Feed.list_id != row.list_id,
    )
    mailed = select(CampaignArticle.article_id).join(Campaign, Campaign.id == CampaignArticle.campaign_id)
    mailed = mailed.where(Campaign.kind == CampaignKind.EMAIL, Campaign.state != CampaignState.CANCELLED)
    if row.cadence is None:  # every reader: whatever went to this list (campaigns older than campaign_lists too)
        to_list = select(CampaignList.campaign_id).where(CampaignList.list_id == row.list_id)
        mailed = mailed.where(or_(Campaign.list_id == row.list_id, Campaign.id.in_(to_list)))
    else:  # this cadence's readers: what this list's schedules of this cadence sent
        mailed = (
            mailed.join(DigestRun, DigestRun.campaign_id == Campaign.id)
            .join(DigestSchedule, DigestSchedule.id == DigestRun.schedule_id)
            .where(DigestSchedule.list_id == row.list_id, DigestSchedule.cadence == row.cadence)
        )
    return [~other_feed, ArticleRow.id.not_in(mailed)]


def _collect(session: Session, row: DigestSchedule, since: datetime, until: datetime) -> list[tuple[int, str]]:
    """The articles of a run, oldest first: (id, title)."""
    found = session.execute(
        select(ArticleRow.id, ArticleRow.title)
        .where(
            ArticleRow.published_at.is_not(None),
            ArticleRow.published_at > since,
            ArticleRow.published_at <= until,
            *_candidates(row),
        )
        .order_by(ArticleRow.published_at, ArticleRow.id)
    ).all()
    return [(article_id, title) for article_id, title in found]


def _newest_article(session: Session, row: DigestSchedule, now: datetime) -> datetime | None:
    """An "each article" schedule's due time: the newest candidate's publication time, if any."""
    return session.scalar(
        select(func.max(ArticleRow.published_at)).where(
            ArticleRow.published_at > row.collect_since, ArticleRow.published_at <= now, *_candidates(row)
        )
    )


def _readers(session: Session, list_id: int, cadence: str | None) -> int:
    where = [Subscription.list_id == list_id, Subscription.status == "active"]
    if cadence is not None:
        where.append(cadence_is(cadence))
    return session.scalar(select(func.count()).select_from(Subscription).where(and_(*where))) or 0
