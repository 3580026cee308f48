"""automation: feeds, feed_entries, digest_schedules, digest_runs, sequence_steps, events, webhook_endpoints,
publishes; lists.cadences and default_cadence; subscriptions.activated_at and cadence

feeds are polled by the sweep (next_poll_at, moved forward by the sweeper that polls), feed_entries unique per
(feed, entry key) so an entry is imported once; digest_runs unique per (schedule, due time) so a recurring
digest runs once whoever sweeps; sequence_steps each rendered into a campaign of kind "sequence"; events the
event log, fanned out once to webhook_endpoints as outbox rows of a campaign of kind "event"; publishes one
Publish action and the campaigns it made. Existing subscriptions get no activated_at: no welcome mail for
readers who joined before.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_NOW = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("lists") as batch:
        batch.add_column(sa.Column("cadences", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("default_cadence", sa.String(length=20), nullable=True))
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("activated_at", _NOW, nullable=True))
        batch.add_column(sa.Column("cadence", sa.String(length=20), nullable=True))
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("title", sa.String(length=300), server_default="", nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=True),
        sa.Column("share_accounts", sa.JSON(), nullable=False),
        sa.Column("every_seconds", sa.Integer(), server_default="900", nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("next_poll_at", _NOW, nullable=False),
        sa.Column("last_polled_at", _NOW, nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("paused", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "feed_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("entry_key", sa.String(length=64), nullable=False),
        sa.Column("guid", sa.String(length=2000), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", _NOW, nullable=False),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("feed_id", "entry_key", name="uq_feed_entries_key"),
    )
    op.create_index("ix_feed_entries_article_id", "feed_entries", ["article_id"], unique=False)
    op.create_table(
        "digest_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("spec", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("cadence", sa.String(length=20), nullable=True),
        sa.Column("subject_template", sa.String(length=500), server_default="", nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("paused", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("next_run_at", _NOW, nullable=True),
        sa.Column("collect_since", _NOW, nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("updated_at", _NOW, nullable=False),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_digest_schedules_list_id", "digest_schedules", ["list_id"], unique=False)
    op.create_table(
        "digest_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("due_at", _NOW, nullable=False),
        sa.Column("ran_at", _NOW, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["schedule_id"], ["digest_schedules.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("schedule_id", "due_at", name="uq_digest_runs_due"),
    )
    op.create_table(
        "sequence_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("delay_days", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("starts_at", _NOW, nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("updated_at", _NOW, nullable=False),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("list_id", "position", name="uq_sequence_steps_position"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("subscriber_id", sa.Integer(), nullable=True),
        sa.Column("fanned_out_at", _NOW, nullable=True),
        sa.Column("delivery_campaign_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscribers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["delivery_campaign_id"], ["campaigns.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_events_type_created", "events", ["type", "created_at"], unique=False)
    op.create_index("ix_events_fanned_out", "events", ["fanned_out_at"], unique=False)
    op.create_index("ix_events_article_id", "events", ["article_id"], unique=False)
    op.create_index("ix_events_campaign_id", "events", ["campaign_id"], unique=False)
    op.create_index("ix_events_subscriber_id", "events", ["subscriber_id"], unique=False)
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("sealed_secret", sa.Text(), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("description", sa.String(length=300), server_default="", nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("updated_at", _NOW, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "publishes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("email_campaign_id", sa.Integer(), nullable=True),
        sa.Column("share_campaign_id", sa.Integer(), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", _NOW, nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["email_campaign_id"], ["campaigns.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["share_campaign_id"], ["campaigns.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_publishes_article_id", "publishes", ["article_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_publishes_article_id", table_name="publishes")
    op.drop_table("publishes")
    op.drop_table("webhook_endpoints")
    for name in ("subscriber_id", "campaign_id", "article_id"):
        op.drop_index(f"ix_events_{name}", table_name="events")
    op.drop_index("ix_events_fanned_out", table_name="events")
    op.drop_index("ix_events_type_created", table_name="events")
    op.drop_table("events")
    op.drop_table("sequence_steps")
    op.drop_table("digest_runs")
    op.drop_index("ix_digest_schedules_list_id", table_name="digest_schedules")
    op.drop_table("digest_schedules")
    op.drop_index("ix_feed_entries_article_id", table_name="feed_entries")
    op.drop_table("feed_entries")
    op.drop_table("feeds")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("cadence")
        batch.drop_column("activated_at")
    with op.batch_alter_table("lists") as batch:
        batch.drop_column("default_cadence")
        batch.drop_column("cadences")
