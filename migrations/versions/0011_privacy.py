"""Privacy by design: the append-only audit trail, erasure marks, the outbox's stripped
content, and the index the registration-attempt purge reads.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 20:40:00
"""
import sqlalchemy as sa
from alembic import op

import models.base

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_REFUSE = "audit_events is append-only"


def upgrade() -> None:
    op.create_table(
        'audit_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_role', sa.String(length=16), nullable=True),
        sa.Column('channel', sa.Enum('chat', 'dashboard', 'export', 'operator', 'system',
                                     name='auditchannel', native_enum=False, length=16),
                  nullable=False),
        sa.Column('action', sa.Enum('view', 'change', 'export', 'erase', 'purge',
                                    name='auditaction', native_enum=False, length=16),
                  nullable=False),
        sa.Column('subject', sa.String(length=40), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=True),
        sa.Column('province', sa.String(length=100), nullable=True),
        sa.Column('district', sa.String(length=100), nullable=True),
        sa.Column('detail', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_area_at', ['province', 'district', 'at'],
                              unique=False)
        batch_op.create_index('ix_audit_events_household_at', ['household_id', 'at'],
                              unique=False)
    _append_only()

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('thai_id_notice_at', models.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', models.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_stripped_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_outbox_sent_unstripped', ['sent_at'], unique=False,
                              postgresql_where=sa.text('content_stripped_at IS NULL'),
                              sqlite_where=sa.text('content_stripped_at IS NULL'))
    with op.batch_alter_table('registration_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_registration_attempts_attempted_at', ['attempted_at'],
                              unique=False)
    # Erasure and the nightly retention purge read these.
    left = sa.text("status = 'left' AND erased_at IS NULL")
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index('ix_households_left_unerased', ['left_on'], unique=False,
                              postgresql_where=left, sqlite_where=left)
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('ix_assignments_household', ['household_id'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_household', ['household_id'], unique=False)


def _append_only() -> None:
    """The database itself refuses to change or delete an audit record, whoever asks."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"""
            CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{_REFUSE}'; END; $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""")
        return
    for verb in ('UPDATE', 'DELETE'):
        op.execute(f"""
            CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events
            BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END""")


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_household')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_assignments_household')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_left_unerased')
    with op.batch_alter_table('registration_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_registration_attempts_attempted_at')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_sent_unstripped')
        batch_op.drop_column('content_stripped_at')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('thai_id_notice_at')
        batch_op.drop_column('erased_at')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    op.drop_table('audit_events')
