"""The site checks blueprint and its menu entry (routes are added by the views module)."""
from flask import Blueprint

from portal.core.msgids import N_
from portal.web import nav

bp = Blueprint("sitechecks", __name__, url_prefix="/sitechecks")
nav.register("sitechecks.index", N_("Site checks"), 36, "projects")
