"""The outbox over time (issue 17, helper B): campaign_totals, campaigns.compacted_at, a partitioned outbox

- campaigns.compacted_at marks a finished campaign whose outbox rows were compacted (publisher.campaigns.
  retention); campaign_totals keeps what its reports read from those rows (counts by state, per domain, ...).
- post_metrics.campaign_id (ON DELETE CASCADE to campaigns) replaces the foreign key to outbox.id, which
  PostgreSQL cannot keep once outbox.id alone is no longer unique: metrics still go with their campaign.
- PostgreSQL only: the outbox becomes PARTITION BY LIST (campaign_id), a DEFAULT partition outbox_default
  and a partition outbox_c<id> per campaign of at least 10,000 rows (publisher.store.partitions), made for
  the big campaigns already there. The table is renamed, the partitioned one made LIKE it (same columns and
  defaults: the id sequence is kept, now owned by the new table), the rows copied, the old table dropped.
  Its primary key is (id, campaign_id): a partitioned table's keys must hold the partition key; ids still
  come from the one sequence, so id alone stays unique and the models keep it as the identity.
  SQLite keeps its one table (compaction there is a DELETE in slices).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

PARTITION_MIN_ROWS = 10_000  # publisher.store.partitions.PARTITION_MIN_ROWS when this was written


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("compacted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "campaign_totals",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("campaign_id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        _post_metrics_postgresql()
        _partition_outbox()
    else:
        _post_metrics_sqlite()


def _post_metrics_postgresql() -> None:
    conn = op.get_bind()
    for fk in sa.inspect(conn).get_foreign_keys("post_metrics"):
        if fk["referred_table"] == "outbox":
            op.drop_constraint(fk["name"], "post_metrics", type_="foreignkey")
    op.add_column("post_metrics", sa.Column("campaign_id", sa.Integer(), nullable=True))
    op.execute("UPDATE post_metrics m SET campaign_id = o.campaign_id FROM outbox o WHERE o.id = m.outbox_id")
    op.execute("DELETE FROM post_metrics WHERE campaign_id IS NULL")
    op.alter_column("post_metrics", "campaign_id", nullable=False)
    op.create_foreign_key(
        "post_metrics_campaign_id_fkey", "post_metrics", "campaigns", ["campaign_id"], ["id"], ondelete="CASCADE"
    )
    op.create_index("ix_post_metrics_campaign_id", "post_metrics", ["campaign_id"])


def _post_metrics_sqlite() -> None:
    # SQLite cannot drop a foreign key: the table is made again (foreign keys are off while migrating).
    op.create_table(
        "post_metrics_0023",
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=True),
        sa.Column("reposts", sa.Integer(), nullable=True),
        sa.Column("replies", sa.Integer(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("outbox_id"),
    )
    op.execute(
        "INSERT INTO post_metrics_0023 (outbox_id, campaign_id, likes, reposts, replies, read_at, error)"
        " SELECT m.outbox_id, o.campaign_id, m.likes, m.reposts, m.replies, m.read_at, m.error"
        " FROM post_metrics m JOIN outbox o ON o.id = m.outbox_id"
    )
    op.drop_table("post_metrics")
    op.rename_table("post_metrics_0023", "post_metrics")
    op.create_index("ix_post_metrics_campaign_id", "post_metrics", ["campaign_id"])
    problems = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise RuntimeError(f"foreign key problems after rebuilding post_metrics: {problems[:5]}")


def _partition_outbox() -> None:
    conn = op.get_bind()
    op.execute("ALTER TABLE outbox RENAME TO outbox_0022")
    # Index and constraint names are the schema's: the old table gives them up for the new one.
    op.execute("ALTER TABLE outbox_0022 DROP CONSTRAINT outbox_pkey")
    op.execute("ALTER TABLE outbox_0022 DROP CONSTRAINT uq_outbox_delivery")
    op.execute("ALTER TABLE outbox_0022 DROP CONSTRAINT IF EXISTS outbox_campaign_id_fkey")
    op.execute("DROP INDEX ix_outbox_campaign_state")
    op.execute("CREATE TABLE outbox (LIKE outbox_0022 INCLUDING DEFAULTS) PARTITION BY LIST (campaign_id)")
    op.execute("ALTER SEQUENCE outbox_id_seq OWNED BY outbox.id")
    op.execute("ALTER TABLE outbox ADD CONSTRAINT outbox_pkey PRIMARY KEY (id, campaign_id)")
    op.execute("ALTER TABLE outbox ADD CONSTRAINT uq_outbox_delivery UNIQUE (campaign_id, recipient_id, channel)")
    op.execute(
        "ALTER TABLE outbox ADD CONSTRAINT outbox_campaign_id_fkey FOREIGN KEY (campaign_id)"
        " REFERENCES campaigns (id) ON DELETE CASCADE"
    )
    op.execute("CREATE INDEX ix_outbox_campaign_state ON outbox (campaign_id, state)")
    op.execute("CREATE TABLE outbox_default PARTITION OF outbox DEFAULT")
    big = conn.execute(
        sa.text("SELECT campaign_id FROM outbox_0022 GROUP BY campaign_id HAVING count(*) >= :n ORDER BY 1"),
        {"n": PARTITION_MIN_ROWS},
    ).scalars()
    for campaign_id in big:
        op.execute(f"CREATE TABLE outbox_c{int(campaign_id)} PARTITION OF outbox FOR VALUES IN ({int(campaign_id)})")
    op.execute("INSERT INTO outbox SELECT * FROM outbox_0022")
    op.execute("DROP TABLE outbox_0022")
    op.execute("ANALYZE outbox")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE outbox RENAME TO outbox_0023")
        op.execute("ALTER TABLE outbox_0023 DROP CONSTRAINT outbox_pkey")
        op.execute("ALTER TABLE outbox_0023 DROP CONSTRAINT uq_outbox_delivery")
        op.execute("ALTER TABLE outbox_0023 DROP CONSTRAINT outbox_campaign_id_fkey")
        op.execute("DROP INDEX ix_outbox_campaign_state")
        op.execute("CREATE TABLE outbox (LIKE outbox_0023 INCLUDING DEFAULTS)")
        op.execute("ALTER SEQUENCE outbox_id_seq OWNED BY outbox.id")
        op.execute("INSERT INTO outbox SELECT * FROM outbox_0023")
        op.execute("DROP TABLE outbox_0023")
        op.execute("ALTER TABLE outbox ADD CONSTRAINT outbox_pkey PRIMARY KEY (id)")
        op.execute("ALTER TABLE outbox ADD CONSTRAINT uq_outbox_delivery UNIQUE (campaign_id, recipient_id, channel)")
        op.execute(
            "ALTER TABLE outbox ADD CONSTRAINT outbox_campaign_id_fkey FOREIGN KEY (campaign_id)"
            " REFERENCES campaigns (id) ON DELETE CASCADE"
        )
        op.execute("CREATE INDEX ix_outbox_campaign_state ON outbox (campaign_id, state)")
    op.drop_index("ix_post_metrics_campaign_id", table_name="post_metrics")
    with op.batch_alter_table("post_metrics", schema=None) as batch_op:
        batch_op.drop_column("campaign_id")
        batch_op.create_foreign_key("post_metrics_outbox_id_fkey", "outbox", ["outbox_id"], ["id"], ondelete="CASCADE")
    op.drop_table("campaign_totals")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("compacted_at")
