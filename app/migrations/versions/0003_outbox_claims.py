"""outbox: per-message claims, so a sender that dies leaves no message in limbo

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # batch: SQLite (make run) cannot drop a column in place; on PostgreSQL it is a plain ALTER TABLE
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('claimed_by', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('claimed_by')
        batch.drop_column('claimed_until')
