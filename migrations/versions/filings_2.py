"""Filings: the agency's archive room location (where the archives handled by the project are kept).

Revision ID: filings_2
Revises: auth_1
"""
from alembic import op
import sqlalchemy as sa

revision = "filings_2"
down_revision = "auth_1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("project_filing") as batch_op:
        batch_op.add_column(sa.Column("archive_room_location", sa.String(length=200), nullable=False,
                                      server_default=""))


def downgrade():
    with op.batch_alter_table("project_filing") as batch_op:
        batch_op.drop_column("archive_room_location")
