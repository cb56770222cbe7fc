"""Province scale round 2, pages (issue 16): the rectification order list pages newest first
(issued_at DESC, id DESC); an index on (issued_at, id) lets a deep page (OFFSET) walk the index instead of
sorting every order. The inspection and incident detail pages read the orders issued from them by
inspection_id / incident_id, which scanned every order without an index. The inspection list pages by
(planned_on DESC, id DESC): lists16_1's (planned_on) index becomes (planned_on, id), so PostgreSQL walks it
index-only instead of an incremental sort of every row up to the offset (the annual summary's range read
is served the same). The inbox likewise: (user_id, created_at) becomes (user_id, created_at, id).

Revision ID: pages16_1
Revises: jobs16_1 (the brief said lists16_1; main already has jobs16_1 on top of it)
"""
from alembic import op

revision = "pages16_1"
down_revision = "jobs16_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_rectification_issued_at_id", "rectification_order", ["issued_at", "id"])
    op.create_index("ix_inspection_planned_on_id", "inspection", ["planned_on", "id"])
    op.drop_index("ix_inspection_planned_on", table_name="inspection")
    op.create_index("ix_notification_user_created_id", "notification", ["user_id", "created_at", "id"])
    op.drop_index("ix_notification_user_created", table_name="notification")
    for column in ("inspection_id", "incident_id"):
        op.create_index(f"ix_rectification_{column}", "rectification_order", [column])


def downgrade():
    op.create_index("ix_notification_user_created", "notification", ["user_id", "created_at"])
    op.drop_index("ix_notification_user_created_id", table_name="notification")
    op.create_index("ix_inspection_planned_on", "inspection", ["planned_on"])
    op.drop_index("ix_inspection_planned_on_id", table_name="inspection")
    for column in ("inspection_id", "incident_id"):
        op.drop_index(f"ix_rectification_{column}", table_name="rectification_order")
    op.drop_index("ix_rectification_issued_at_id", table_name="rectification_order")
