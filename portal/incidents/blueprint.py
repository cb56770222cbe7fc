"""The incidents blueprint and its menu entries (routes are added by the views modules)."""
from flask import Blueprint

from portal.core.msgids import N_
from portal.web import nav

bp = Blueprint("incidents", __name__, url_prefix="/incidents")
nav.register("incidents.index", N_("Incidents"), 45, "evaluation")
