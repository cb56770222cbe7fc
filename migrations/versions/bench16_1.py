"""Province scale round 2 (issue 16): the feedback list's page ids off an index, newest first.

Revision ID: bench16_1
Revises: looprules_1
"""
from alembic import op

revision = "bench16_1"
down_revision = "looprules_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_feedback_created", "feedback", ["created_at", "id"])


def downgrade():
    op.drop_index("ix_feedback_created", table_name="feedback")
