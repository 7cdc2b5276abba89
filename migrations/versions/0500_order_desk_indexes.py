"""order desk: orders listed by delivery day (and id) without sorting the whole table

Revision ID: 0500_order_desk_indexes
Revises: 0450_inbound_unmatched
Create Date: 2026-11-30 01:00:00

"""
from alembic import op


revision = '0500_order_desk_indexes'
down_revision = '0450_inbound_unmatched'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_orders_org_date_id', 'orders', ['org_id', 'delivery_date', 'id'], unique=False)
    op.create_index('ix_orders_org_created', 'orders', ['org_id', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_orders_org_created', table_name='orders')
    op.drop_index('ix_orders_org_date_id', table_name='orders')
