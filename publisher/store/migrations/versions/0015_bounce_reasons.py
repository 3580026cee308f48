"""bounce reasons: what each bounce said and what it did; campaigns.sender_alarm_mark

bounce_events gains the reason (Sisimai's vocabulary, publisher.bounces.reasons), whether it is hard, the
SMTP reply code, the remote MTA, the receiving domain and the format that was read. kind now says what the
bounce did: hard (suppressed), soft (counted), sender (the sender's problem: counted against the campaign),
complaint. Rows from before keep their kind; their reason is "undefined". campaigns.sender_alarm_mark is the
last bounce_events id a sender-side alarm counted, so a resumed campaign is judged on new bounces only.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bounce_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=20), nullable=False, server_default="undefined"))
        batch_op.add_column(sa.Column("hard", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("reply_code", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("remote_mta", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("domain", sa.String(length=255), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("format", sa.String(length=20), nullable=False, server_default=""))
        batch_op.create_index("ix_bounce_events_campaign_kind", ["campaign_id", "kind"], unique=False)
    op.execute("UPDATE bounce_events SET domain = lower(substr(email, instr(email, '@') + 1))"
               if op.get_bind().dialect.name == "sqlite"
               else "UPDATE bounce_events SET domain = lower(split_part(email, '@', 2))")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender_alarm_mark", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("sender_alarm_mark")
    with op.batch_alter_table("bounce_events", schema=None) as batch_op:
        batch_op.drop_index("ix_bounce_events_campaign_kind")
        for column in ("format", "domain", "remote_mta", "reply_code", "hard", "reason"):
            batch_op.drop_column(column)
