"""Site security checks: daily patrols, weekly checks countersigned by the agency, monthly self-inspections.

Revision ID: sitechecks_1
Revises: filings_2
"""
from alembic import op
import sqlalchemy as sa

revision = "sitechecks_1"
down_revision = "filings_2"
branch_labels = None
depends_on = None


def _common():
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filing_id", sa.Integer(), sa.ForeignKey("project_filing.id"), nullable=False),
        sa.Column("firm_id", sa.Integer(), sa.ForeignKey("firm.id"), nullable=False),
    ]


def _tail():
    return [
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    ]


def upgrade():
    op.create_table(
        "site_patrol",
        *_common(),
        sa.Column("patrol_date", sa.Date(), nullable=False),
        sa.Column("staff_ids", sa.JSON(), nullable=False),
        sa.Column("visitors_count", sa.Integer(), nullable=False),
        sa.Column("visitor_names", sa.Text(), nullable=False),
        sa.Column("media_used", sa.Boolean(), nullable=False),
        sa.Column("media_logged", sa.Boolean(), nullable=False),
        sa.Column("media_log_ref", sa.String(length=120), nullable=False),
        sa.Column("video_running", sa.Boolean(), nullable=False),
        sa.Column("internet_isolated", sa.Boolean(), nullable=False),
        sa.Column("all_locked", sa.Boolean(), nullable=False),
        sa.Column("no_personal_devices", sa.Boolean(), nullable=False),
        sa.Column("in_order", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_tail(),
        sa.UniqueConstraint("filing_id", "patrol_date", name="uq_site_patrol_filing_day"),
    )
    op.create_index("ix_site_patrol_filing_id", "site_patrol", ["filing_id"])
    op.create_index("ix_site_patrol_firm_date", "site_patrol", ["firm_id", "patrol_date"])
    op.create_table(
        "site_weekly_check",
        *_common(),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("patrols_reviewed", sa.Boolean(), nullable=False),
        sa.Column("media_log_checked", sa.Boolean(), nullable=False),
        sa.Column("video_retained", sa.Boolean(), nullable=False),
        sa.Column("visitor_log_checked", sa.Boolean(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("countersigned_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("countersigned_at", sa.DateTime(), nullable=True),
        sa.Column("agency_note", sa.Text(), nullable=False),
        *_tail(),
        sa.UniqueConstraint("filing_id", "week_start", name="uq_site_weekly_filing_week"),
        sa.CheckConstraint("status IN ('recorded', 'confirmed', 'disputed')", name="site_weekly_status_valid"),
    )
    op.create_index("ix_site_weekly_check_filing_id", "site_weekly_check", ["filing_id"])
    op.create_table(
        "site_monthly_inspection",
        *_common(),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        *_tail(),
        sa.UniqueConstraint("filing_id", "month", name="uq_site_monthly_filing_month"),
    )
    op.create_index("ix_site_monthly_inspection_filing_id", "site_monthly_inspection", ["filing_id"])


def downgrade():
    op.drop_index("ix_site_monthly_inspection_filing_id", table_name="site_monthly_inspection")
    op.drop_table("site_monthly_inspection")
    op.drop_index("ix_site_weekly_check_filing_id", table_name="site_weekly_check")
    op.drop_table("site_weekly_check")
    op.drop_index("ix_site_patrol_firm_date", table_name="site_patrol")
    op.drop_index("ix_site_patrol_filing_id", table_name="site_patrol")
    op.drop_table("site_patrol")
