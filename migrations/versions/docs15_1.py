"""Official document numbers (文书号): one row per numbered document, sequential per kind and year.

Documents issued before this revision get their number when first printed.

Revision ID: docs15_1
Revises: secops_1
"""
from alembic import op
import sqlalchemy as sa

revision = "docs15_1"
down_revision = "looprules_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document_number",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "year", "seq", name="uq_document_number_seq"),
        sa.UniqueConstraint("kind", "subject_id", name="uq_document_number_subject"),
    )


def downgrade():
    op.drop_table("document_number")
