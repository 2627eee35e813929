"""Assistance records, district agencies, the household's way out (status, exits, passed
dimensions, level history), plan item revisions and visit follow-ups.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 13:21:23.973277
"""
import sqlalchemy as sa
from alembic import op

import models
from models.agencies import read_standard_agencies
from models.assistance import read_assistance_kinds
from models.reference import read_catalogue

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Frozen copies of the seeded tables' shapes: migrations must not follow later model changes.
_kinds = sa.table("assistance_kinds", sa.column("code", sa.String),
                  sa.column("label_th", sa.String), sa.column("short_th", sa.String),
                  sa.column("position", sa.Integer))
_agencies = sa.table(
    "agencies", sa.column("province", sa.String), sa.column("district", sa.String),
    sa.column("short_name", sa.String), sa.column("name", sa.String),
    sa.column("ministry", sa.String), sa.column("dimensions", sa.String),
    sa.column("position", sa.Integer), sa.column("active", sa.Boolean),
    sa.column("updated_at", models.base.UTCDateTime()))
_indicators = sa.table(
    "jpth_indicators", sa.column("survey_period", sa.String), sa.column("no", sa.Integer),
    sa.column("indicator_th", sa.String), sa.column("lead_agencies", sa.String),
    sa.column("partner_agencies", sa.String))
# Catalogue rows 0002 loaded as the source had them, corrected in the file since (see its note
# column): 33's OCR'd wording, 35's agencies (merged with 34's in the source table).
CATALOGUE_PERIOD = "2566-2570"
CORRECTED_INDICATORS = (33, 35)


def upgrade() -> None:
    op.create_table('agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('short_name', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('ministry', sa.String(length=200), nullable=False),
    sa.Column('dimensions', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
    sa.UniqueConstraint('province', 'district', 'short_name', name=op.f('uq_agencies_province_district_short_name'))
    )
    op.create_table('assistance_kinds',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('label_th', sa.String(length=100), nullable=False),
    sa.Column('short_th', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_assistance_kinds'))
    )
    op.create_table('dimension_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['people.id'], name=op.f('fk_dimension_changes_changed_by_id_people')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_dimension_changes_household_id_households'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dimension_changes'))
    )
    with op.batch_alter_table('dimension_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dimension_changes_household_id'), ['household_id'], unique=False)

    op.create_table('dimension_passes',
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('passed_on', sa.Date(), nullable=False),
    sa.Column('passed_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_dimension_passes_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['passed_by_id'], ['people.id'], name=op.f('fk_dimension_passes_passed_by_id_people')),
    sa.PrimaryKeyConstraint('household_id', 'dimension', name=op.f('pk_dimension_passes'))
    )
    op.create_table('goal_level_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('from_level', sa.Enum('survive', 'sufficient', 'sustainable', name='goallevel', native_enum=False, length=16), nullable=True),
    sa.Column('to_level', sa.Enum('survive', 'sufficient', 'sustainable', name='goallevel', native_enum=False, length=16), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['people.id'], name=op.f('fk_goal_level_changes_changed_by_id_people')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_goal_level_changes_household_id_households'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_level_changes'))
    )
    with op.batch_alter_table('goal_level_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_level_changes_household_id'), ['household_id'], unique=False)

    op.create_table('household_exits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('graduated', 'moved', 'died', 'other', name='exitreason', native_enum=False, length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['people.id'], name=op.f('fk_household_exits_decided_by_id_people')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_exits_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['people.id'], name=op.f('fk_household_exits_requested_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_exits'))
    )
    with op.batch_alter_table('household_exits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_exits_household_id'), ['household_id'], unique=False)
        batch_op.create_index('uq_household_exits_open', ['household_id'], unique=True, sqlite_where=sa.text('decided_at IS NULL'), postgresql_where=sa.text('decided_at IS NULL'))

    op.create_table('plan_item_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('change', sa.String(length=16), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('household_action', sa.Text(), nullable=False),
    sa.Column('support_action', sa.Text(), nullable=True),
    sa.Column('start_month', sa.Date(), nullable=False),
    sa.Column('end_month', sa.Date(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['people.id'], name=op.f('fk_plan_item_revisions_changed_by_id_people')),
    sa.ForeignKeyConstraint(['item_id'], ['plan_items.id'], name=op.f('fk_plan_item_revisions_item_id_plan_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_item_revisions'))
    )
    with op.batch_alter_table('plan_item_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_item_revisions_item_id'), ['item_id'], unique=False)

    op.create_table('assistance_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('agency_name', sa.String(length=300), nullable=True),
    sa.Column('by_mentor', sa.Boolean(), nullable=False),
    sa.Column('value_baht', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_assistance_records_agency_id_agencies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_assistance_records_case_id_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_assistance_records_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['kind'], ['assistance_kinds.code'], name=op.f('fk_assistance_records_kind_assistance_kinds')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['people.id'], name=op.f('fk_assistance_records_recorded_by_id_people')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_assistance_records_visit_id_visits'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistance_records'))
    )
    with op.batch_alter_table('assistance_records', schema=None) as batch_op:
        batch_op.create_index('ix_assistance_records_area_date', ['province', 'district', 'given_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistance_records_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistance_records_household_id'), ['household_id'], unique=False)

    op.create_table('visit_follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('plan_item_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_visit_follow_ups_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_item_id'], ['plan_items.id'], name=op.f('fk_visit_follow_ups_plan_item_id_plan_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_follow_ups_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_follow_ups'))
    )
    with op.batch_alter_table('visit_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_follow_ups_visit_id'), ['visit_id'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('indicator_no', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closure', sa.Enum('helped', 'declined', 'unable', 'other', name='caseclosure', native_enum=False, length=16), nullable=True))

    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('active', 'left', name='householdstatus', native_enum=False, length=16), server_default='active', nullable=False))
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))

    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('removed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_plan_items_removed_by_id_people'), 'people', ['removed_by_id'], ['id'])

    with op.batch_alter_table('visit_problems', schema=None) as batch_op:
        batch_op.add_column(sa.Column('indicator_no', sa.Integer(), nullable=True))


    for row in read_catalogue(CATALOGUE_PERIOD):
        if row["no"] in CORRECTED_INDICATORS:
            op.execute(_indicators.update()
                       .where(_indicators.c.survey_period == CATALOGUE_PERIOD,
                              _indicators.c.no == row["no"])
                       .values(indicator_th=row["indicator_th"],
                               lead_agencies=row["lead_agencies"],
                               partner_agencies=row["partner_agencies"]))
    op.bulk_insert(_kinds, read_assistance_kinds())
    now = models.utcnow()
    op.bulk_insert(_agencies, [{**row, "updated_at": now} for row in read_standard_agencies()])
    # A level set before this revision starts its history at the plan's last change.
    op.execute(
        "INSERT INTO goal_level_changes (household_id, from_level, to_level, changed_by_id, "
        "changed_at) SELECT household_id, NULL, level, updated_by_id, updated_at "
        "FROM household_plans WHERE level IS NOT NULL AND updated_by_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('visit_problems', schema=None) as batch_op:
        batch_op.drop_column('indicator_no')

    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_items_removed_by_id_people'), type_='foreignkey')
        batch_op.drop_column('removed_by_id')
        batch_op.drop_column('removed_at')

    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_column('left_on')
        batch_op.drop_column('status')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('closure')
        batch_op.drop_column('indicator_no')

    with op.batch_alter_table('visit_follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_follow_ups_visit_id'))

    op.drop_table('visit_follow_ups')
    with op.batch_alter_table('assistance_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistance_records_household_id'))
        batch_op.drop_index(batch_op.f('ix_assistance_records_case_id'))
        batch_op.drop_index('ix_assistance_records_area_date')

    op.drop_table('assistance_records')
    with op.batch_alter_table('plan_item_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_item_revisions_item_id'))

    op.drop_table('plan_item_revisions')
    with op.batch_alter_table('household_exits', schema=None) as batch_op:
        batch_op.drop_index('uq_household_exits_open', sqlite_where=sa.text('decided_at IS NULL'), postgresql_where=sa.text('decided_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_household_exits_household_id'))

    op.drop_table('household_exits')
    with op.batch_alter_table('goal_level_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_level_changes_household_id'))

    op.drop_table('goal_level_changes')
    op.drop_table('dimension_passes')
    with op.batch_alter_table('dimension_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dimension_changes_household_id'))

    op.drop_table('dimension_changes')
    op.drop_table('assistance_kinds')
    op.drop_table('agencies')
