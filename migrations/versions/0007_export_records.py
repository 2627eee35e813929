"""Export records (the audit trail of exports), and the province officer role (people.role is a
plain string column, so the new value needs no schema change).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 14:32:24.085045
"""
import sqlalchemy as sa
from alembic import op

import models

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('export_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('file_format', sa.String(length=8), nullable=False),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=True),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_export_records_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_records'))
    )
    with op.batch_alter_table('export_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_records_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_records_person_id'), ['person_id'], unique=False)
    # The logbook and monthly exports: a range of days over a wide area (a province, the
    # country), and a visit problem's case.
    op.create_index(op.f('ix_visits_visited_on'), 'visits', ['visited_on'], unique=False)
    op.create_index(op.f('ix_case_events_at'), 'case_events', ['at'], unique=False)
    op.create_index(op.f('ix_goal_level_changes_changed_at'), 'goal_level_changes', ['changed_at'], unique=False)
    op.create_index(op.f('ix_cases_visit_problem_id'), 'cases', ['visit_problem_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_cases_visit_problem_id'), table_name='cases')
    op.drop_index(op.f('ix_goal_level_changes_changed_at'), table_name='goal_level_changes')
    op.drop_index(op.f('ix_case_events_at'), table_name='case_events')
    op.drop_index(op.f('ix_visits_visited_on'), table_name='visits')
    with op.batch_alter_table('export_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_records_person_id'))
        batch_op.drop_index(batch_op.f('ix_export_records_created_at'))

    op.drop_table('export_records')
