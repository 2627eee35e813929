"""scheduler fields

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

import models

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reraised_at', models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.Enum('digest', 'alert', 'reply', 'broadcast', name='outboxcategory', native_enum=False, length=16), nullable=False, server_default='alert'))
        batch_op.add_column(sa.Column('urgent', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('urgent')
        batch_op.drop_column('category')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('reraised_at')

