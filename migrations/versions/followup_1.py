"""Bad-rating follow-ups (差评整改): one row per feedback with a rating of 1 or 2. Notices: an
acknowledgement deadline, agencies as recipients, and the reminder stage of each receipt.

Revision ID: followup_1
Revises: filings_2
"""
import sqlalchemy as sa
from alembic import op

revision = "followup_1"
down_revision = "secops_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "followup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("filing_id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("dimensions", sa.JSON(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("confirm_note", sa.Text(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=False),
        sa.Column("reminder_stage", sa.String(length=12), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('open', 'answered', 'satisfied', 'unsatisfied', 'withdrawn')",
                           name=op.f("ck_followup_status_valid")),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"], ondelete="CASCADE", name=op.f("fk_followup_feedback_id_feedback")),
        sa.ForeignKeyConstraint(["filing_id"], ["project_filing.id"], name=op.f("fk_followup_filing_id_project_filing")),
        sa.ForeignKeyConstraint(["firm_id"], ["firm.id"], name=op.f("fk_followup_firm_id_firm")),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_followup_agency_id_agency")),
        sa.ForeignKeyConstraint(["answered_by_id"], ["user_account.id"], name=op.f("fk_followup_answered_by_id_user_account")),
        sa.ForeignKeyConstraint(["confirmed_by_id"], ["user_account.id"], name=op.f("fk_followup_confirmed_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup")),
        sa.UniqueConstraint("feedback_id", name=op.f("uq_followup_feedback_id")),
    )
    op.create_index("ix_followup_filing_id", "followup", ["filing_id"])
    op.create_index("ix_followup_firm_id", "followup", ["firm_id"])
    op.create_index("ix_followup_agency_id", "followup", ["agency_id"])
    op.create_index("ix_followup_status_deadline", "followup", ["status", "deadline"])
    op.create_index("ix_followup_district", "followup", ["district_code"])

    with op.batch_alter_table("notice") as batch_op:
        batch_op.add_column(sa.Column("ack_deadline", sa.Date(), nullable=True))
    with op.batch_alter_table("notice_recipient") as batch_op:
        batch_op.alter_column("firm_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("agency_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reminder_stage", sa.String(length=12), nullable=False, server_default=""))
        batch_op.create_foreign_key(batch_op.f("fk_notice_recipient_agency_id_agency"), "agency", ["agency_id"], ["id"])
        batch_op.create_unique_constraint(batch_op.f("uq_notice_recipient_notice_id_agency_id"),
                                          ["notice_id", "agency_id"])
        batch_op.create_index(batch_op.f("ix_notice_recipient_agency_id"), ["agency_id"], unique=False)


def downgrade():
    with op.batch_alter_table("notice_recipient") as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_recipient_agency_id"))
        batch_op.drop_constraint(batch_op.f("uq_notice_recipient_notice_id_agency_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_notice_recipient_agency_id_agency"), type_="foreignkey")
        batch_op.drop_column("reminder_stage")
        batch_op.drop_column("agency_id")
        batch_op.alter_column("firm_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("notice") as batch_op:
        batch_op.drop_column("ack_deadline")
    op.drop_table("followup")
