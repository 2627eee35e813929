"""Rate limits shared by every sender process (a token bucket per LINE endpoint, and the pause
after LINE's 429).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 10:05:00.000000
"""
import sqlalchemy as sa
from alembic import op

import models

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_limits',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('next_slot_us', sa.BigInteger(), nullable=False),
    sa.Column('paused_until', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_rate_limits'))
    )


def downgrade() -> None:
    op.drop_table('rate_limits')
