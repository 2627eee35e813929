"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

import models

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversation_states',
    sa.Column('line_user_id', sa.String(length=64), nullable=False),
    sa.Column('flow', sa.String(length=40), nullable=True),
    sa.Column('step', sa.String(length=40), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('line_user_id', name=op.f('pk_conversation_states'))
    )
    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('house_id', sa.String(length=11), nullable=False),
    sa.Column('head_name', sa.String(length=200), nullable=False),
    sa.Column('house_no', sa.String(length=30), nullable=True),
    sa.Column('village_no', sa.String(length=10), nullable=True),
    sa.Column('village_name', sa.String(length=150), nullable=True),
    sa.Column('subdistrict', sa.String(length=100), nullable=True),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('last_visit_on', sa.Date(), nullable=True),
    sa.Column('next_visit_due', sa.Date(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('house_id', name=op.f('uq_households_house_id'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index('ix_households_area', ['province', 'district'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_next_visit_due'), ['next_visit_due'], unique=False)

    op.create_table('jpth_indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_period', sa.String(length=20), nullable=False),
    sa.Column('no', sa.Integer(), nullable=False),
    sa.Column('category_no', sa.Integer(), nullable=False),
    sa.Column('category_th', sa.String(length=100), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('indicator_th', sa.String(length=500), nullable=False),
    sa.Column('lead_agencies', sa.String(length=500), nullable=False),
    sa.Column('partner_agencies', sa.String(length=1000), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jpth_indicators')),
    sa.UniqueConstraint('survey_period', 'no', name=op.f('uq_jpth_indicators_survey_period_no'))
    )
    with op.batch_alter_table('jpth_indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jpth_indicators_dimension'), ['dimension'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('push', 'multicast', name='outboxkind', native_enum=False, length=16), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('messages', sa.JSON(), nullable=False),
    sa.Column('notification_disabled', sa.Boolean(), nullable=False),
    sa.Column('retry_key', sa.String(length=36), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sent', 'parked', name='outboxstatus', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('line_request_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_dedupe_key')),
    sa.UniqueConstraint('retry_key', name=op.f('uq_outbox_retry_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_status_next_attempt', ['status', 'next_attempt_at'], unique=False)

    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('mentor', 'coordinator', name='role', native_enum=False, length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.String(length=200), nullable=True),
    sa.Column('agency', sa.String(length=300), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('line_user_id', sa.String(length=64), nullable=True),
    sa.Column('registered_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('line_user_id', name=op.f('uq_people_line_user_id')),
    sa.UniqueConstraint('phone', name=op.f('uq_people_phone'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index('ix_people_area_role', ['province', 'district', 'role'], unique=False)

    op.create_table('registration_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_user_id', sa.String(length=64), nullable=False),
    sa.Column('attempted_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_attempts'))
    )
    with op.batch_alter_table('registration_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_registration_attempts_user_time', ['line_user_id', 'attempted_at'], unique=False)

    op.create_table('webhook_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webhook_event_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('line_user_id', sa.String(length=64), nullable=True),
    sa.Column('occurred_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_redelivery', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'processing', 'done', 'failed', name='eventstatus', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('processed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_events')),
    sa.UniqueConstraint('webhook_event_id', name=op.f('uq_webhook_events_webhook_event_id'))
    )
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_events_status_received', ['status', 'received_at'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_assignments_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['people.id'], name=op.f('fk_assignments_mentor_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index('uq_assignments_current_household', ['household_id'], unique=True, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))

    op.create_table('household_dimensions',
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_dimensions_household_id_households'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('household_id', 'dimension', name=op.f('pk_household_dimensions'))
    )
    op.create_table('registration_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_registration_codes_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_registration_codes_code'))
    )
    with op.batch_alter_table('registration_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_codes_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('registration_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_codes_person_id'))

    op.drop_table('registration_codes')
    op.drop_table('household_dimensions')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_assignments_current_household', sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_assignments_mentor_id'))

    op.drop_table('assignments')
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_events_status_received')

    op.drop_table('webhook_events')
    with op.batch_alter_table('registration_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_registration_attempts_user_time')

    op.drop_table('registration_attempts')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index('ix_people_area_role')

    op.drop_table('people')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next_attempt')

    op.drop_table('outbox')
    with op.batch_alter_table('jpth_indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jpth_indicators_dimension'))

    op.drop_table('jpth_indicators')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_next_visit_due'))
        batch_op.drop_index('ix_households_area')

    op.drop_table('households')
    op.drop_table('conversation_states')
