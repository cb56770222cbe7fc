"""Dashboard drill-down (issue 15): filings counted by submission date (this quarter per district, eight
quarters of trend) read off (submitted_at, district_code, status) instead of every project row.

Revision ID: dash15_1
Revises: bench16_1
"""
from alembic import op

revision = "dash15_1"
down_revision = "bench16_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_project_filing_submitted_district", "project_filing", ["submitted_at", "district_code", "status"])


def downgrade():
    op.drop_index("ix_project_filing_submitted_district", table_name="project_filing")
