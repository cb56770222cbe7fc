"""Province scale round 2 (issue 16): the feedback list's page ids off an index, newest first; the audit
log filtered by action read off (action, seq) instead of sorting every row of that action.

Revision ID: bench16_1
Revises: looprules_1
"""
from alembic import op

revision = "bench16_1"
down_revision = "fuzz_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_feedback_created", "feedback", ["created_at", "id"])
    op.create_index("ix_audit_event_action_seq", "audit_event", ["action", "seq"])
    op.drop_index("ix_audit_event_action", table_name="audit_event")


def downgrade():
    op.create_index("ix_audit_event_action", "audit_event", ["action"])
    op.drop_index("ix_audit_event_action_seq", table_name="audit_event")
    op.drop_index("ix_feedback_created", table_name="feedback")
