"""order types: returns (collected at the customer's, brought to the depot) and pickup-delivery pairs; an order's
pickup end (address, windows, service time, the sender) and a stop's kind (a pair has a pickup and a delivery stop)

Revision ID: 0600_order_types
Revises: 0700_driver_action_reason
Create Date: 2026-11-30 03:40:00

"""
from alembic import op
import sqlalchemy as sa

import backend.database


revision = '0600_order_types'
down_revision = '0700_driver_action_reason'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('type', sa.Enum('delivery', 'return', 'pickup_delivery', name='order_type',
                                                      native_enum=False, length=20),
                                      nullable=False, server_default='delivery'))
        batch_op.add_column(sa.Column('sender_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pickup_address', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('pickup_lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('pickup_lon', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('pickup_service_time_s', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pickup_instructions', sa.Text(), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_orders_sender_id_recipients'), 'recipients', ['sender_id'], ['id'],
                                    ondelete='SET NULL')
    op.create_table('order_pickup_windows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('start_at', backend.database.UTCDateTime(), nullable=False),
    sa.Column('end_at', backend.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_pickup_windows_order_id_orders'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_pickup_windows'))
    )
    with op.batch_alter_table('order_pickup_windows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_pickup_windows_order_id'), ['order_id'], unique=False)
    with op.batch_alter_table('stops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('pickup', 'delivery', name='stop_kind', native_enum=False,
                                                      length=10), nullable=False, server_default='delivery'))
        batch_op.drop_constraint('uq_stops_route_id', type_='unique')
        batch_op.create_unique_constraint('uq_stops_route_id', ['route_id', 'order_id', 'kind'])


def downgrade():
    op.execute("DELETE FROM stops WHERE kind = 'pickup' AND order_id IN "
               "(SELECT order_id FROM stops WHERE kind = 'delivery')")
    with op.batch_alter_table('stops', schema=None) as batch_op:
        batch_op.drop_constraint('uq_stops_route_id', type_='unique')
        batch_op.create_unique_constraint('uq_stops_route_id', ['route_id', 'order_id'])
        batch_op.drop_column('kind')
    with op.batch_alter_table('order_pickup_windows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_pickup_windows_order_id'))
    op.drop_table('order_pickup_windows')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_orders_sender_id_recipients'), type_='foreignkey')
        batch_op.drop_column('pickup_instructions')
        batch_op.drop_column('pickup_service_time_s')
        batch_op.drop_column('pickup_lon')
        batch_op.drop_column('pickup_lat')
        batch_op.drop_column('pickup_address')
        batch_op.drop_column('sender_id')
        batch_op.drop_column('type')
