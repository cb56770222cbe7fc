"""perf: data versions for cached aggregates; covering indexes for the filing list's page order

Revision ID: perf_1
Revises: scoring_1
"""
import sqlalchemy as sa
from alembic import op

revision = "perf_1"
down_revision = "scoring_1"
branch_labels = None
depends_on = None


# Covering indexes for the filings list: a page's ids are read from the index alone (deep pages too).
NEW_INDEXES = (
    ("ix_project_filing_district_status_updated", ["district_code", "status", "updated_at", "id"]),
    ("ix_project_filing_updated_id_status", ["updated_at", "id", "status"]),
    ("ix_project_filing_district_updated", ["district_code", "updated_at", "id", "status"]),
    ("ix_project_filing_status_district", ["status", "district_code"]),
)
OLD_INDEXES = (
    ("ix_project_filing_district_status", ["district_code", "status"]),
    ("ix_project_filing_updated_at", ["updated_at"]),
)


def upgrade():
    for name, columns in NEW_INDEXES:
        op.create_index(name, "project_filing", columns, unique=False)
    for name, _columns in OLD_INDEXES:
        op.drop_index(name, table_name="project_filing")
    op.create_table(
        "data_version",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", name=op.f("pk_data_version")),
    )


def downgrade():
    op.drop_table("data_version")
    for name, columns in OLD_INDEXES:
        op.create_index(name, "project_filing", columns, unique=False)
    for name, _columns in NEW_INDEXES:
        op.drop_index(name, table_name="project_filing")
