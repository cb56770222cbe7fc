"""The firms blueprint and its menu entries (routes are added by the views modules)."""
from flask import Blueprint

from portal.core.msgids import N_
from portal.web import nav

bp = Blueprint("firms", __name__, url_prefix="/firms", template_folder=None)
nav.register("firms.mine", N_("Our registration"), 10, "firms")
nav.register("firms.index", N_("Firms"), 20, "firms")
nav.register("firms.queue", N_("Registration reviews"), 21, "firms")
