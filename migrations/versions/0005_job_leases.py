"""jobs name the worker holding them and count their attempts

Revision ID: 0005_job_leases
Revises: 0004_sms_segments
Create Date: 2026-11-30 20:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_job_leases'
down_revision = '0004_sms_segments'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker_id', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_jobs_status', ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_status')
        batch_op.drop_column('attempts')
        batch_op.drop_column('worker_id')
