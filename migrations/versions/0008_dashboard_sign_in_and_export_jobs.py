"""The dashboard: one-time sign-in links, browser sessions, the ID tokens the LIFF page used,
and the exports built in the background.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 16:16:15.524553
"""
import sqlalchemy as sa
from alembic import op

import models

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('used_id_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_used_id_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_used_id_tokens_token_hash'))
    )
    with op.batch_alter_table('used_id_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_id_tokens_expires_at'), ['expires_at'], unique=False)

    op.create_table('dashboard_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('line_user_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_dashboard_links_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_dashboard_links_token_hash'))
    )
    with op.batch_alter_table('dashboard_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_links_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dashboard_links_person_id'), ['person_id'], unique=False)

    op.create_table('dashboard_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('via', sa.String(length=8), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_dashboard_sessions_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_dashboard_sessions_token_hash'))
    )
    with op.batch_alter_table('dashboard_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dashboard_sessions_person_id'), ['person_id'], unique=False)

    op.create_table('export_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('file_format', sa.String(length=8), nullable=False),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=True),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'running', 'done', 'failed', name='exportjobstatus', native_enum=False, length=12), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('stored_as', sa.String(length=300), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('export_record_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['export_record_id'], ['export_records.id'], name=op.f('fk_export_jobs_export_record_id_export_records')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_export_jobs_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_jobs'))
    )
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_jobs_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_jobs_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_jobs_status'))
        batch_op.drop_index(batch_op.f('ix_export_jobs_person_id'))

    op.drop_table('export_jobs')
    with op.batch_alter_table('dashboard_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dashboard_sessions_person_id'))
        batch_op.drop_index(batch_op.f('ix_dashboard_sessions_expires_at'))

    op.drop_table('dashboard_sessions')
    with op.batch_alter_table('dashboard_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dashboard_links_person_id'))
        batch_op.drop_index(batch_op.f('ix_dashboard_links_expires_at'))

    op.drop_table('dashboard_links')
    with op.batch_alter_table('used_id_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_id_tokens_expires_at'))

    op.drop_table('used_id_tokens')
