"""idempotency keys: the answers to requests sent with an Idempotency-Key header

Revision ID: 0400_idempotency_keys
Revises: 0300_login_sessions
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import backend.database


revision = '0400_idempotency_keys'
down_revision = '0300_login_sessions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'idempotency_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('caller', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('body', sa.LargeBinary(), nullable=True),
        sa.Column('headers', sa.JSON(), nullable=False),
        sa.Column('created_at', backend.database.UTCDateTime(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_idempotency_keys_org_id_organizations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
        sa.UniqueConstraint('org_id', 'caller', 'key', name=op.f('uq_idempotency_keys_org_id')),
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index('ix_idempotency_keys_org_created', ['org_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_idempotency_keys_org_id'), ['org_id'], unique=False)


def downgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_org_id'))
        batch_op.drop_index('ix_idempotency_keys_org_created')
    op.drop_table('idempotency_keys')
