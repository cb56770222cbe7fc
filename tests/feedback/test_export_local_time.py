"""The feedback export writes when feedback was given in China time, like every other export."""
from __future__ import annotations

from datetime import datetime
from io import BytesIO

from openpyxl import load_workbook

from portal.core.exports import write_xlsx
from portal.extensions import db
from portal.feedback import service
from portal.feedback.models import Feedback
from portal.web.context import actor_for_user
from tests.feedback.builders import accepted_project, feedback_rows


def test_feedback_export_gives_the_local_time(build):
    filing, _agency_user, firm_user = accepted_project(build)
    feedback_rows(filing, 1)
    db.session.execute(Feedback.__table__.update().values(created_at=datetime(2026, 8, 20, 21, 5)))
    db.session.commit()
    out = BytesIO()
    write_xlsx(out, service.export_columns(), service.export_rows(service.visible_feedback(actor_for_user(firm_user))),
               sheet_title="Feedback")
    rows = list(load_workbook(BytesIO(out.getvalue())).active.values)
    assert rows[1][4] == datetime(2026, 8, 21, 5, 5)  # 21:05 UTC is 05:05 the next morning in Luzhou
