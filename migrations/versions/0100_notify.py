"""notify: the notification outbox, push subscriptions, webhooks, templates, SMS replies; customer ratings

Revision ID: 0100_notify
Revises: 0002_dispatch
Create Date: 2026-11-24 22:40:00

Needs only the tables of 0001_initial; chained after 0002_dispatch because that revision is in the
shared checkout (one head). Re-chain freely when merging.
"""
from alembic import op
import sqlalchemy as sa

import backend.database


# revision identifiers, used by Alembic.
revision = "0100_notify"
down_revision = "0002_dispatch"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notify_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', backend.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', backend.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_notify_templates_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_templates')),
    sa.UniqueConstraint('org_id', 'kind', 'language', name=op.f('uq_notify_templates_org_id'))
    )
    with op.batch_alter_table('notify_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notify_templates_org_id'), ['org_id'], unique=False)

    op.create_table('webhook_endpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('event_types', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', backend.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', backend.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_webhook_endpoints_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints'))
    )
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_endpoints_org_id'), ['org_id'], unique=False)

    op.create_table('notify_inbound',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_phone', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('provider_ref', sa.String(length=100), nullable=True),
    sa.Column('received_at', backend.database.UTCDateTime(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_notify_inbound_order_id_orders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_notify_inbound_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['recipients.id'], name=op.f('fk_notify_inbound_recipient_id_recipients'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_inbound'))
    )
    with op.batch_alter_table('notify_inbound', schema=None) as batch_op:
        batch_op.create_index('ix_notify_inbound_org_at', ['org_id', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notify_inbound_org_id'), ['org_id'], unique=False)

    op.create_table('push_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('endpoint', sa.String(length=1000), nullable=False),
    sa.Column('endpoint_hash', sa.String(length=64), nullable=False),
    sa.Column('p256dh', sa.String(length=200), nullable=False),
    sa.Column('auth', sa.String(length=100), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', backend.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', backend.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_push_subscriptions_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_push_subscriptions_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_push_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscriptions'))
    )
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.create_index('ix_push_subscriptions_endpoint', ['endpoint_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_subscriptions_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_subscriptions_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_subscriptions_user_id'), ['user_id'], unique=False)

    op.create_table('notify_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('webhook_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('sms', 'push', 'email', 'webhook', name='notify_channel', native_enum=False, length=20), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('destination', sa.String(length=1000), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'delivered', 'failed', 'cancelled', 'suppressed', name='outbox_status', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', backend.database.UTCDateTime(), nullable=False),
    sa.Column('lease_until', backend.database.UTCDateTime(), nullable=True),
    sa.Column('lease_owner', sa.String(length=40), nullable=True),
    sa.Column('provider_ref', sa.String(length=100), nullable=True),
    sa.Column('provider_status', sa.String(length=40), nullable=True),
    sa.Column('response_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('sent_at', backend.database.UTCDateTime(), nullable=True),
    sa.Column('delivered_at', backend.database.UTCDateTime(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', backend.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', backend.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['order_events.id'], name=op.f('fk_notify_outbox_event_id_order_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_notify_outbox_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_notify_outbox_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['recipients.id'], name=op.f('fk_notify_outbox_recipient_id_recipients'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subscription_id'], ['push_subscriptions.id'], name=op.f('fk_notify_outbox_subscription_id_push_subscriptions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['webhook_id'], ['webhook_endpoints.id'], name=op.f('fk_notify_outbox_webhook_id_webhook_endpoints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notify_outbox_dedupe_key'))
    )
    with op.batch_alter_table('notify_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_notify_outbox_order', ['order_id'], unique=False)
        batch_op.create_index('ix_notify_outbox_org_created', ['org_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notify_outbox_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_notify_outbox_provider_ref', ['provider_ref'], unique=False)
        batch_op.create_index('ix_notify_outbox_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_notify_outbox_webhook', ['webhook_id', 'created_at'], unique=False)

    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', backend.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', backend.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['driver_id'], ['drivers.id'], name=op.f('fk_ratings_driver_id_drivers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_ratings_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_ratings_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('order_id', name=op.f('uq_ratings_order_id'))
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ratings_driver_id'), ['driver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ratings_org_id'), ['org_id'], unique=False)



def downgrade():
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratings_org_id'))
        batch_op.drop_index(batch_op.f('ix_ratings_driver_id'))

    op.drop_table('ratings')
    with op.batch_alter_table('notify_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_notify_outbox_webhook')
        batch_op.drop_index('ix_notify_outbox_status_next')
        batch_op.drop_index('ix_notify_outbox_provider_ref')
        batch_op.drop_index(batch_op.f('ix_notify_outbox_org_id'))
        batch_op.drop_index('ix_notify_outbox_org_created')
        batch_op.drop_index('ix_notify_outbox_order')

    op.drop_table('notify_outbox')
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_subscriptions_user_id'))
        batch_op.drop_index(batch_op.f('ix_push_subscriptions_org_id'))
        batch_op.drop_index(batch_op.f('ix_push_subscriptions_order_id'))
        batch_op.drop_index('ix_push_subscriptions_endpoint')

    op.drop_table('push_subscriptions')
    with op.batch_alter_table('notify_inbound', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notify_inbound_org_id'))
        batch_op.drop_index('ix_notify_inbound_org_at')

    op.drop_table('notify_inbound')
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_endpoints_org_id'))

    op.drop_table('webhook_endpoints')
    with op.batch_alter_table('notify_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notify_templates_org_id'))

    op.drop_table('notify_templates')
