"""Loop rules: the unit an acceptance sample was counted in.

Revision ID: looprules_1
Revises: filings_2
"""
from alembic import op
import sqlalchemy as sa

revision = "looprules_1"
down_revision = "filings_2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("project_filing") as batch_op:
        batch_op.add_column(sa.Column("acceptance_sample_unit", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("project_filing") as batch_op:
        batch_op.drop_column("acceptance_sample_unit")
