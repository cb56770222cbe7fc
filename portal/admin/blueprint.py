"""The admin blueprint and its menu entries (routes are added by the views modules)."""
from flask import Blueprint

from portal.core.msgids import N_
from portal.web import nav

bp = Blueprint("admin", __name__, url_prefix="/admin")

nav.register("admin.accounts", N_("Accounts"), 80, "admin")
nav.register("admin.agencies", N_("Agencies"), 81, "admin")
nav.register("admin.offices", N_("Regulator offices"), 82, "admin")
nav.register("admin.security_policy", N_("Security policy"), 83, "admin")
nav.register("admin.audit_log", N_("Audit log"), 84, "admin")
