"""inbound SMS from unknown numbers: kept (never lost) for every organization's dispatchers to see

Revision ID: 0450_inbound_unmatched
Revises: 0400_idempotency_keys
Create Date: 2026-11-30 00:30:00

"""
from alembic import op
import sqlalchemy as sa

import backend.database


revision = '0450_inbound_unmatched'
down_revision = '0400_idempotency_keys'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notify_inbound_unmatched',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('from_phone', sa.String(length=32), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('provider_ref', sa.String(length=100), nullable=True),
        sa.Column('received_at', backend.database.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_inbound_unmatched')),
    )
    with op.batch_alter_table('notify_inbound_unmatched', schema=None) as batch_op:
        batch_op.create_index('ix_notify_inbound_unmatched_received', ['received_at'], unique=False)


def downgrade():
    with op.batch_alter_table('notify_inbound_unmatched', schema=None) as batch_op:
        batch_op.drop_index('ix_notify_inbound_unmatched_received')
    op.drop_table('notify_inbound_unmatched')
