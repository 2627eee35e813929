"""visits cases plans

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

import models

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_settings',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_app_settings'))
    )
    op.create_table('household_plans',
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('goal', sa.Text(), nullable=True),
    sa.Column('level', sa.Enum('survive', 'sufficient', 'sustainable', name='goallevel', native_enum=False, length=16), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_plans_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['people.id'], name=op.f('fk_household_plans_updated_by_id_people')),
    sa.PrimaryKeyConstraint('household_id', name=op.f('pk_household_plans'))
    )
    op.create_table('plan_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('household_action', sa.Text(), nullable=False),
    sa.Column('support_action', sa.Text(), nullable=True),
    sa.Column('start_month', sa.Date(), nullable=False),
    sa.Column('end_month', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'ongoing', 'done', name='itemstatus', native_enum=False, length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_plan_items_created_by_id_people')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_plan_items_household_id_households'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_items'))
    )
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_items_household_id'), ['household_id'], unique=False)

    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('attitude', sa.Text(), nullable=True),
    sa.Column('skills', sa.Text(), nullable=True),
    sa.Column('resources', sa.Text(), nullable=True),
    sa.Column('way_out', sa.Text(), nullable=True),
    sa.Column('no_new_problem', sa.Boolean(), nullable=False),
    sa.Column('next_visit_due', sa.Date(), nullable=False),
    sa.Column('was_overdue', sa.Boolean(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_visits_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['people.id'], name=op.f('fk_visits_mentor_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_household_date', ['household_id', 'visited_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_mentor_id'), ['mentor_id'], unique=False)

    op.create_table('plan_item_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('not_started', 'ongoing', 'done', name='itemstatus', native_enum=False, length=16), nullable=True),
    sa.Column('to_status', sa.Enum('not_started', 'ongoing', 'done', name='itemstatus', native_enum=False, length=16), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['people.id'], name=op.f('fk_plan_item_status_changes_changed_by_id_people')),
    sa.ForeignKeyConstraint(['item_id'], ['plan_items.id'], name=op.f('fk_plan_item_status_changes_item_id_plan_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_item_status_changes'))
    )
    with op.batch_alter_table('plan_item_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_item_status_changes_item_id'), ['item_id'], unique=False)

    op.create_table('visit_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('line_message_id', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=True),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('fetch_attempts', sa.Integer(), nullable=False),
    sa.Column('fetched_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_photos_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_photos'))
    )
    with op.batch_alter_table('visit_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_photos_fetched_at'), ['fetched_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_photos_visit_id'), ['visit_id'], unique=False)

    op.create_table('visit_problems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('needs_outside_help', sa.Boolean(), nullable=False),
    sa.Column('agency', sa.String(length=300), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_problems_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_problems'))
    )
    with op.batch_alter_table('visit_problems', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_problems_visit_id'), ['visit_id'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('visit_problem_id', sa.Integer(), nullable=True),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('suggested_agency', sa.String(length=300), nullable=True),
    sa.Column('status', sa.Enum('open', 'acknowledged', 'referred', 'closed', name='casestatus', native_enum=False, length=16), nullable=False),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('referred_agency', sa.String(length=300), nullable=True),
    sa.Column('referred_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('closed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['people.id'], name=op.f('fk_cases_acknowledged_by_id_people')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_cases_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['people.id'], name=op.f('fk_cases_mentor_id_people')),
    sa.ForeignKeyConstraint(['visit_problem_id'], ['visit_problems.id'], name=op.f('fk_cases_visit_problem_id_visit_problems'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_area_status', ['province', 'district', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_mentor_id'), ['mentor_id'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('open', 'acknowledged', 'referred', 'closed', name='casestatus', native_enum=False, length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_case_events_actor_id_people')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_events_case_id'))

    op.drop_table('case_events')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_mentor_id'))
        batch_op.drop_index('ix_cases_area_status')

    op.drop_table('cases')
    with op.batch_alter_table('visit_problems', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_problems_visit_id'))

    op.drop_table('visit_problems')
    with op.batch_alter_table('visit_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_photos_visit_id'))
        batch_op.drop_index(batch_op.f('ix_visit_photos_fetched_at'))

    op.drop_table('visit_photos')
    with op.batch_alter_table('plan_item_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_item_status_changes_item_id'))

    op.drop_table('plan_item_status_changes')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_mentor_id'))
        batch_op.drop_index('ix_visits_household_date')

    op.drop_table('visits')
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_items_household_id'))

    op.drop_table('plan_items')
    op.drop_table('household_plans')
    op.drop_table('app_settings')
