"""Rectification orders issued from an incident stored their one item as a dict (source, type, severity,
text, conclusion) where every other order stores lines of text, and the order page and its print
answered 500 rendering it. Rewrite those items as the line the incident service now writes:
"description — conclusion".

Revision ID: fuzz_1
Revises: filings_2
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "fuzz_1"
down_revision = "docs15_1"
branch_labels = None
depends_on = None

_orders = sa.table("rectification_order", sa.column("id", sa.Integer), sa.column("items", sa.JSON))


def _line(item) -> str:
    if not isinstance(item, dict):
        return item if isinstance(item, str) else str(item)
    text = str(item.get("text") or "").strip()
    conclusion = str(item.get("conclusion") or "").strip()
    return text + (f" — {conclusion}" if conclusion else "")


def upgrade():
    conn = op.get_bind()
    for order_id, items in conn.execute(sa.select(_orders.c.id, _orders.c["items"])).all():
        if isinstance(items, str):  # a JSON column read without its type on some drivers
            items = json.loads(items)
        if isinstance(items, list) and any(not isinstance(i, str) for i in items):
            conn.execute(_orders.update().where(_orders.c.id == order_id).values(items=[_line(i) for i in items]))


def downgrade():
    pass  # the lines are what the orders say; the dict shape is not restored
