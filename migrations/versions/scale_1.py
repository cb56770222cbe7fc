"""Indexes the province-scale data shows are needed: filings by last change, alerts and inbox by date.

Revision ID: scale_1
Revises: 0001_initial
"""
from alembic import op

revision = "scale_1"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_project_filing_updated_at", "project_filing", ["updated_at"])
    op.create_index("ix_alert_raised_at", "alert", ["raised_at"])
    op.create_index("ix_notification_user_created", "notification", ["user_id", "created_at"])


def downgrade():
    op.drop_index("ix_notification_user_created", table_name="notification")
    op.drop_index("ix_alert_raised_at", table_name="alert")
    op.drop_index("ix_project_filing_updated_at", table_name="project_filing")
