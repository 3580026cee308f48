"""A welcome sequence's step, rendered once into its campaign (kind "sequence"), like a one-article digest.

The step's Markdown is read by the Markdown importer (so raw HTML in it is sanitized like any import) into
a document, and that document goes through the publication's digest template: the welcome mail looks like
the newsletter, greets the reader by name and carries the unsubscribe link and List-Unsubscribe headers.
The text has no page on the site, so the mail links to none ("standalone"). Sequence mails are not tracked:
a reader's first mail should not already count their opens (the footer says so, whatever the mode).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from publisher.campaigns.templates import load_overrides
from publisher.config import Settings
from publisher.delivery import campaign_template
from publisher.errors import PublisherError
from publisher.importers import markdown
from publisher.publication import identity_of
from publisher.render.email import RenderedDigest, render_digest
from publisher.render.mime import check_header_value
from publisher.states import CampaignKind, CampaignState
from publisher.store.automation import SequenceStep
from publisher.store.models import Campaign, MailingList

MAX_SUBJECT = 500
MAX_BODY = 200_000  # characters of Markdown; a welcome mail is a page, not a book


def check_step_input(position: int, delay_days: int, subject: str, body: str) -> tuple[str, str]:
    """The subject and body as stored, or PublisherError naming what is wrong with the step."""
    if not 0 <= position <= 99:
        raise PublisherError(f"step {position}: a step number is 0 (the welcome mail) to 99")
    if not 0 <= delay_days <= 3650:
        raise PublisherError(f"step {position}: the delay is {delay_days} days; it must be 0 to 3650")
    subject = subject.strip()
    if not subject:
        raise PublisherError(f"step {position}: the subject is empty")
    check_header_value("subject", subject)
    if len(subject) > MAX_SUBJECT:
        raise PublisherError(f"step {position}: the subject is {len(subject)} characters; at most {MAX_SUBJECT}")
    if "\x00" in body or "\x00" in subject:
        raise PublisherError(f"step {position}: the text contains a NUL character")
    if not body.strip():
        raise PublisherError(f"step {position}: the body is empty; write the mail in Markdown")
    if len(body) > MAX_BODY:
        raise PublisherError(f"step {position}: the body is {len(body)} characters; at most {MAX_BODY}")
    return subject, body


def render_step(settings: Settings, subject: str, body: str, overrides: dict[str, str] | None) -> RenderedDigest:
    """The step's mail, rendered once (its personal fields left as placeholders, like a digest's)."""
    source = f"the step {subject!r}"
    article = markdown.parse(f"# {_escaped(subject)}\n\n{body}".encode(), source, settings.language)
    untracked = settings.model_copy(update={"tracking": "off"})
    return render_digest(
        [article], untracked, subject=subject, full=True, view_url=None, overrides=overrides, standalone=True
    )


def _escaped(subject: str) -> str:
    """The subject as the text of a Markdown heading: its own characters, not markup."""
    return "".join(f"\\{c}" if c in "\\`*_{}[]()#+-.!<>|~" else c for c in subject)


def step_campaign(session: Session, settings: Settings, mailing_list: MailingList, step: SequenceStep) -> Campaign:
    """A new campaign of the step, rendered now, in the caller's transaction (settings: the effective ones).

    It starts "sending" and stays so while it is the step's campaign (store.progress.finish_if_done): it
    gains a row whenever a reader's step comes due.
    """
    digest = render_step(settings, step.subject, step.body, load_overrides(session))
    campaign = Campaign(
        kind=CampaignKind.SEQUENCE,
        state=CampaignState.SENDING if step.enabled else CampaignState.PAUSED,
        pause_reason=None if step.enabled else DISABLED,
        list_id=mailing_list.id,
        subject=digest.subject,
        body_html=digest.html,
        body_text=digest.text,
        render_key=digest.key,
        identity=identity_of(settings),
        tracking=None,
        sequence_step_id=step.id,
    )
    session.add(campaign)
    session.flush()
    campaign_template(session, campaign, settings)  # a bad header value or DKIM key is refused now, not at send
    return campaign


DISABLED = "its welcome sequence step is disabled"
