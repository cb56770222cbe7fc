"""scoring: indexes for the period run's set-based evidence queries

Revision ID: scoring_1
Revises: scale_1
"""
from alembic import op

revision = "scoring_1"
down_revision = "filings_1"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_project_filing_start_firm", "project_filing", ["start_date", "firm_id"]),
    ("ix_project_filing_completed_firm", "project_filing", ["completed_at", "firm_id"]),
    ("ix_project_filing_accepted_firm", "project_filing", ["accepted_at", "firm_id"]),
    ("ix_change_filing_created", "change_filing", ["created_at"]),
    ("ix_feedback_firm_created_ratings", "feedback",
     ["firm_id", "created_at", "quality", "timeliness", "security", "conduct", "communication"]),
    ("ix_inspection_checked", "inspection", ["checked_at"]),
    ("ix_rectification_deadline_firm", "rectification_order", ["deadline", "firm_id"]),
    ("ix_penalty_case_decided_on", "penalty_case", ["decided_on"]),
    ("ix_incident_status_decided", "incident", ["status", "decided_at"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
