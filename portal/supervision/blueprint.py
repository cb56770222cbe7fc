"""The supervision blueprint and its menu entries (routes are added by the views modules)."""
from flask import Blueprint

from portal.core.msgids import N_
from portal.web import nav

bp = Blueprint("supervision", __name__, url_prefix="/supervision")

nav.register("supervision.dashboard", N_("Dashboard"), 40, "supervision")
nav.register("supervision.alerts", N_("Alerts"), 41, "supervision")
nav.register("supervision.inspections", N_("Inspections"), 42, "supervision")
nav.register("supervision.rectifications", N_("Rectification"), 43, "supervision")
nav.register("supervision.notices", N_("Notices"), 44, "supervision")
nav.register("supervision.contacts", N_("Contacts"), 45, "supervision")
nav.register("supervision.liaison_confirm", N_("Liaison confirmation"), 46, "firms")


@bp.app_template_filter("sv_district")
def _district_label(code: str | None) -> str:
    """District name in the reader's language: the one district label helper."""
    from portal.web.templating import district_label

    return district_label(code)


@bp.app_template_global("sv_state")
def _state_label(workflow: str, code: str | None) -> str:
    """The label msgid of a workflow state (translate it with _() in the template)."""
    from portal.core.workflows import WORKFLOWS

    return WORKFLOWS[workflow].states.get(code or "", code or "")
