"""project filing: work-plan schedule (DA/T 68.2 §5 lists the schedule among the plan's parts)

Revision ID: filings_1
Revises: scale_1
"""
from alembic import op
import sqlalchemy as sa

revision = "filings_1"
down_revision = "firms_1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("project_filing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_schedule", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("project_filing", schema=None) as batch_op:
        batch_op.drop_column("plan_schedule")
