"""daily roll-ups: route_attempted, the attempted stops of routes that ended (what route time, distance and
cost are spread over), so a day in progress reads no per-stop or per-hour figure from routes not finished

Revision ID: 0510_rollup_route_attempted
Revises: 0500_order_desk_indexes
Create Date: 2026-11-30 01:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0510_rollup_route_attempted'
down_revision = '0500_order_desk_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('analytics_daily', schema=None) as batch_op:
        batch_op.add_column(sa.Column('route_attempted', sa.Integer(), nullable=False, server_default='0'))
    # Stored roll-ups are of closed days and imported history: their routes had ended.
    op.execute("UPDATE analytics_daily SET route_attempted = attempted")


def downgrade():
    with op.batch_alter_table('analytics_daily', schema=None) as batch_op:
        batch_op.drop_column('route_attempted')
