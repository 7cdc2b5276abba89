"""driver_actions.reason: a conflict's machine-readable reason, so that a replayed key answers as the first time

Revision ID: 0700_driver_action_reason
Revises: 0510_rollup_route_attempted
Create Date: 2026-11-30 03:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0700_driver_action_reason'
down_revision = '0510_rollup_route_attempted'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('driver_actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('driver_actions', schema=None) as batch_op:
        batch_op.drop_column('reason')
