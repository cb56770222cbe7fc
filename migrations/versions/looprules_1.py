"""Loop rules: the unit an acceptance sample was counted in; inspections close after rectification;
the firm's statement on an incident.

Revision ID: looprules_1
Revises: filings_2
"""
from alembic import op
import sqlalchemy as sa

revision = "looprules_1"
down_revision = "filings_2"
branch_labels = None
depends_on = None


INSPECTION_STATES = ("planned", "notified", "checked", "passed", "rectification_required")


def _inspection_states(states):
    quoted = ", ".join(f"'{s}'" for s in states)
    return f"status IN ({quoted})"


def upgrade():
    with op.batch_alter_table("project_filing") as batch_op:
        batch_op.add_column(sa.Column("acceptance_sample_unit", sa.String(length=16), nullable=True))
    with op.batch_alter_table("inspection") as batch_op:
        batch_op.drop_constraint(op.f("ck_inspection_status_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_inspection_status_valid"),
                                         _inspection_states(INSPECTION_STATES + ("closed",)))
    with op.batch_alter_table("incident") as batch_op:
        batch_op.add_column(sa.Column("firm_statement", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("firm_statement_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("firm_statement_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_incident_firm_statement_by_id_user_account"), "user_account",
                                    ["firm_statement_by_id"], ["id"])


def downgrade():
    with op.batch_alter_table("incident") as batch_op:
        batch_op.drop_constraint(op.f("fk_incident_firm_statement_by_id_user_account"), type_="foreignkey")
        batch_op.drop_column("firm_statement_at")
        batch_op.drop_column("firm_statement_by_id")
        batch_op.drop_column("firm_statement")
    op.execute("UPDATE inspection SET status = 'rectification_required' WHERE status = 'closed'")
    with op.batch_alter_table("inspection") as batch_op:
        batch_op.drop_constraint(op.f("ck_inspection_status_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_inspection_status_valid"), _inspection_states(INSPECTION_STATES))
    with op.batch_alter_table("project_filing") as batch_op:
        batch_op.drop_column("acceptance_sample_unit")
