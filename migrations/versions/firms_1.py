"""firm self-registration: hashed secret application reference

Revision ID: firms_1
Revises: scale_1
"""
from alembic import op
import sqlalchemy as sa

revision = "firms_1"
down_revision = "scale_1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("firm", schema=None) as batch_op:
        batch_op.add_column(sa.Column("application_ref_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_firm_application_ref_hash"), ["application_ref_hash"])


def downgrade():
    with op.batch_alter_table("firm", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_firm_application_ref_hash"), type_="unique")
        batch_op.drop_column("application_ref_hash")
