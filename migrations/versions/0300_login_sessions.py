"""login sessions revoked server-side

Revision ID: 0300_login_sessions
Revises: 0005_job_leases
Create Date: 2026-11-29 21:00:00

"""
from alembic import op
import sqlalchemy as sa

import backend.database


revision = '0300_login_sessions'
down_revision = '0005_job_leases'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_sessions',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', backend.database.UTCDateTime(), nullable=False),
        sa.Column('expires_at', backend.database.UTCDateTime(), nullable=False),
        sa.Column('revoked_at', backend.database.UTCDateTime(), nullable=True),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_login_sessions_org_id_organizations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_sessions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_sessions_revoked_at'), ['revoked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_login_sessions_revoked_at'))
        batch_op.drop_index(batch_op.f('ix_login_sessions_org_id'))
    op.drop_table('login_sessions')
