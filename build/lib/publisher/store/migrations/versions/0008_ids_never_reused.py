"""ids are never reused: SQLite tables that hand out ids get AUTOINCREMENT

Without AUTOINCREMENT SQLite gives a new row the highest id + 1, so erasing the newest subscriber and
adding another hands the erased one's id to a stranger, and every link naming that id follows. The rows
are copied into tables declared AUTOINCREMENT (migrate() turns foreign keys off around this revision, so
dropping the old table cascades nothing). PostgreSQL's sequences never go back; nothing to do there.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from alembic import op


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("articles", "lists", "subscribers", "campaigns", "users", "api_tokens")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass
    broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"foreign keys broken by the AUTOINCREMENT rebuild: {broken[:5]}")


def downgrade() -> None:
    pass  # AUTOINCREMENT only stops id reuse; keeping it is harmless
