"""Loop rules: the unit an acceptance sample was counted in; inspections close after rectification;
the firm's statement on an incident; the rectification plans of firms on the focus-supervision list.

Revision ID: looprules_1
Revises: filings_2
"""
import sqlalchemy as sa
from alembic import op

revision = "looprules_1"
down_revision = "followup_1"
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
    op.create_table(
        "focus_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("plan_text", sa.Text(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('submitted', 'accepted', 'returned')", name=op.f("ck_focus_plan_status_valid")),
        sa.ForeignKeyConstraint(["application_id"], ["result_application.id"],
                                name=op.f("fk_focus_plan_application_id_result_application")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"],
                                name=op.f("fk_focus_plan_decided_by_id_user_account")),
        sa.ForeignKeyConstraint(["firm_id"], ["firm.id"], name=op.f("fk_focus_plan_firm_id_firm")),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["user_account.id"],
                                name=op.f("fk_focus_plan_submitted_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_focus_plan")),
    )
    with op.batch_alter_table("focus_plan") as batch_op:
        batch_op.create_index("ix_focus_plan_firm", ["firm_id", "application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_focus_plan_district_code"), ["district_code"], unique=False)


def downgrade():
    with op.batch_alter_table("focus_plan") as batch_op:
        batch_op.drop_index(batch_op.f("ix_focus_plan_district_code"))
        batch_op.drop_index("ix_focus_plan_firm")
    op.drop_table("focus_plan")
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
