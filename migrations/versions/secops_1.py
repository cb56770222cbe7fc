"""Security operations: counted repeats of security events; firm approval override.

Revision ID: secops_1
Revises: filings_2
"""
from alembic import op
import sqlalchemy as sa

revision = "secops_1"
down_revision = "sitechecks_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "security_event_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("flushed_count", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("uq_security_event_count_key", "security_event_count",
                    ["kind", "source", "subject", "window_start"], unique=True)
    with op.batch_alter_table("firm") as batch_op:
        batch_op.add_column(sa.Column("approval_override_reason", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("firm") as batch_op:
        batch_op.drop_column("approval_override_reason")
    op.drop_index("uq_security_event_count_key", table_name="security_event_count")
    op.drop_table("security_event_count")
