"""Administration under 三员分立: system admin (accounts, organisations), security admin (roles,
lockouts, sessions, policy) and audit admin (the audit log). Each page names exactly one of them."""
from flask import Blueprint

from portal import nav
from portal.domain.i18n import N_

bp = Blueprint("admin", __name__, url_prefix="/admin")

nav.register("admin.accounts", N_("Accounts"), 80)
nav.register("admin.agencies", N_("Agencies"), 81)
nav.register("admin.offices", N_("Regulator offices"), 82)
nav.register("admin.security_policy", N_("Security policy"), 83)
nav.register("admin.audit_log", N_("Audit log"), 84)

from portal.admin import views  # noqa: E402,F401
