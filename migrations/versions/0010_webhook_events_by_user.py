"""The inbox looked up by user: each event's handling asks for the user's oldest pending event
(and whether more wait), which without this index scans every event kept.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:20:00
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_events_user_status', ['line_user_id', 'status'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_events_user_status')
