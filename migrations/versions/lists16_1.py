"""Province scale round 2, lists (issue 16): the annual summary reads a year of inspections by planned day
off an index and counts their failed items off (inspection_id, result); its filings count reads dash15_1's
(submitted_at, district_code, status).

Revision ID: lists16_1
Revises: dash15_1
"""
from alembic import op

revision = "lists16_1"
down_revision = "dash15_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_inspection_planned_on", "inspection", ["planned_on"])
    op.create_index("ix_inspection_result_inspection_result", "inspection_result", ["inspection_id", "result"])


def downgrade():
    op.drop_index("ix_inspection_result_inspection_result", table_name="inspection_result")
    op.drop_index("ix_inspection_planned_on", table_name="inspection")
