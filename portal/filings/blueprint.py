"""The filings blueprint and its menu entries (routes are added by the views modules)."""
from flask import Blueprint

from portal.core.msgids import N_
from portal.web import nav

bp = Blueprint("filings", __name__, url_prefix="/filings")
nav.register("filings.index", N_("Project filings"), 20, "projects")
