"""analytics: daily KPI roll-ups (route and depot grain) and failure map rows, closed days, goals and
alerts, imported history

Revision ID: 0200_analytics
Revises: 0003_positions
Create Date: 2026-11-24 22:28:01

Only new tables; nothing in the operational tables changes. Re-chain freely when merging.
"""
from alembic import op
import sqlalchemy as sa

import backend.database


# revision identifiers, used by Alembic.
revision = '0200_analytics'
down_revision = '0003_positions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('analytics_closed_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('refreshed_at', backend.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_analytics_closed_days_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_closed_days')),
    sa.UniqueConstraint('org_id', 'day', name=op.f('uq_analytics_closed_days_org_id'))
    )
    with op.batch_alter_table('analytics_closed_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analytics_closed_days_org_id'), ['org_id'], unique=False)

    op.create_table('analytics_daily',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('grain', sa.String(length=10), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('depot_id', sa.Integer(), nullable=True),
    sa.Column('driver_id', sa.Integer(), nullable=True),
    sa.Column('vehicle_id', sa.Integer(), nullable=True),
    sa.Column('route_id', sa.Integer(), nullable=True),
    sa.Column('driver_label', sa.String(length=200), nullable=False),
    sa.Column('routes', sa.Integer(), nullable=False),
    sa.Column('stops', sa.Integer(), nullable=False),
    sa.Column('attempted', sa.Integer(), nullable=False),
    sa.Column('delivered', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('windowed_deliveries', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.Column('first_attempts', sa.Integer(), nullable=False),
    sa.Column('first_attempt_delivered', sa.Integer(), nullable=False),
    sa.Column('route_s', sa.Integer(), nullable=False),
    sa.Column('driving_s', sa.Integer(), nullable=False),
    sa.Column('service_s', sa.Integer(), nullable=False),
    sa.Column('waiting_s', sa.Integer(), nullable=False),
    sa.Column('distance_m', sa.Integer(), nullable=False),
    sa.Column('planned_distance_m', sa.Integer(), nullable=False),
    sa.Column('planned_duration_s', sa.Integer(), nullable=False),
    sa.Column('cost_cents', sa.Integer(), nullable=False),
    sa.Column('co2_g', sa.Integer(), nullable=False),
    sa.Column('sequenced_stops', sa.Integer(), nullable=False),
    sa.Column('out_of_sequence', sa.Integer(), nullable=False),
    sa.Column('rating_count', sa.Integer(), nullable=False),
    sa.Column('rating_sum', sa.Integer(), nullable=False),
    sa.Column('failure_reasons', sa.JSON(), nullable=False),
    sa.Column('eta_errors', sa.JSON(), nullable=False),
    sa.Column('rating_scores', sa.JSON(), nullable=False),
    sa.Column('refreshed_at', backend.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_analytics_daily_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_daily'))
    )
    with op.batch_alter_table('analytics_daily', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analytics_daily_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_analytics_daily_org_source_grain_day', ['org_id', 'source', 'grain', 'day'], unique=False)

    op.create_table('analytics_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('at', backend.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('external_ref', sa.String(length=100), nullable=False),
    sa.Column('depot_id', sa.Integer(), nullable=True),
    sa.Column('driver_id', sa.Integer(), nullable=True),
    sa.Column('route_id', sa.Integer(), nullable=True),
    sa.Column('driver_label', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_analytics_failures_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_failures'))
    )
    with op.batch_alter_table('analytics_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analytics_failures_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_analytics_failures_org_source_day', ['org_id', 'source', 'day'], unique=False)

    op.create_table('analytics_goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('depot_id', sa.Integer(), nullable=True),
    sa.Column('kpi', sa.String(length=40), nullable=False),
    sa.Column('comparison', sa.String(length=2), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('alert_after_days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', backend.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', backend.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['depot_id'], ['depots.id'], name=op.f('fk_analytics_goals_depot_id_depots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_analytics_goals_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_goals'))
    )
    with op.batch_alter_table('analytics_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analytics_goals_depot_id'), ['depot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_analytics_goals_org_id'), ['org_id'], unique=False)

    op.create_table('analytics_history_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=True),
    sa.Column('last_day', sa.Date(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', backend.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', backend.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_analytics_history_imports_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_analytics_history_imports_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_history_imports'))
    )
    with op.batch_alter_table('analytics_history_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analytics_history_imports_org_id'), ['org_id'], unique=False)

    op.create_table('analytics_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('kpi', sa.String(length=40), nullable=False),
    sa.Column('depot_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('days_behind', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('created_at', backend.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['analytics_goals.id'], name=op.f('fk_analytics_alerts_goal_id_analytics_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_analytics_alerts_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_alerts')),
    sa.UniqueConstraint('goal_id', 'day', name=op.f('uq_analytics_alerts_goal_id'))
    )
    with op.batch_alter_table('analytics_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_analytics_alerts_org_created', ['org_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_analytics_alerts_org_id'), ['org_id'], unique=False)

    op.create_table('analytics_history_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('external_ref', sa.String(length=100), nullable=False),
    sa.Column('driver', sa.String(length=200), nullable=False),
    sa.Column('vehicle', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('window_start', backend.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('window_end', backend.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempted_at', backend.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('failure_reason', sa.String(length=20), nullable=True),
    sa.Column('planned_sequence', sa.Integer(), nullable=True),
    sa.Column('service_time_s', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['analytics_history_imports.id'], name=op.f('fk_analytics_history_deliveries_import_id_analytics_history_imports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_analytics_history_deliveries_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_history_deliveries'))
    )
    with op.batch_alter_table('analytics_history_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analytics_history_deliveries_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_analytics_history_org_import_day', ['org_id', 'import_id', 'day'], unique=False)



def downgrade():
    with op.batch_alter_table('analytics_history_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_history_org_import_day')
        batch_op.drop_index(batch_op.f('ix_analytics_history_deliveries_org_id'))

    op.drop_table('analytics_history_deliveries')
    with op.batch_alter_table('analytics_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analytics_alerts_org_id'))
        batch_op.drop_index('ix_analytics_alerts_org_created')

    op.drop_table('analytics_alerts')
    with op.batch_alter_table('analytics_history_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analytics_history_imports_org_id'))

    op.drop_table('analytics_history_imports')
    with op.batch_alter_table('analytics_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analytics_goals_org_id'))
        batch_op.drop_index(batch_op.f('ix_analytics_goals_depot_id'))

    op.drop_table('analytics_goals')
    with op.batch_alter_table('analytics_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_failures_org_source_day')
        batch_op.drop_index(batch_op.f('ix_analytics_failures_org_id'))

    op.drop_table('analytics_failures')
    with op.batch_alter_table('analytics_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_daily_org_source_grain_day')
        batch_op.drop_index(batch_op.f('ix_analytics_daily_org_id'))

    op.drop_table('analytics_daily')
    with op.batch_alter_table('analytics_closed_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analytics_closed_days_org_id'))

    op.drop_table('analytics_closed_days')
