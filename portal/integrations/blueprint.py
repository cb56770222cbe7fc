"""The integrations blueprint and its menu entries (routes are added by the views modules)."""
from flask import Blueprint

from portal.core.msgids import N_
from portal.web import nav

bp = Blueprint("integrations", __name__)
nav.register("integrations.index", N_("Integrations"), 85, "admin")
