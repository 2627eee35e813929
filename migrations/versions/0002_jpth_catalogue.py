"""Load the จปฐ. indicator catalogue (survey period 2566-2570) shipped in models/data.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

from models.reference import read_catalogue

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PERIOD = "2566-2570"

# A frozen copy of the table's shape: migrations must not follow later model changes.
_indicators = sa.table(
    "jpth_indicators",
    sa.column("survey_period", sa.String), sa.column("no", sa.Integer),
    sa.column("category_no", sa.Integer), sa.column("category_th", sa.String),
    sa.column("dimension", sa.String), sa.column("indicator_th", sa.String),
    sa.column("lead_agencies", sa.String), sa.column("partner_agencies", sa.String),
)


def upgrade() -> None:
    op.bulk_insert(_indicators, read_catalogue(PERIOD))


def downgrade() -> None:
    op.execute(_indicators.delete().where(_indicators.c.survey_period == PERIOD))
