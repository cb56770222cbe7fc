"""Pages anyone may open: landing page and health check (the directory and registration join here)."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from portal.public import views  # noqa: E402,F401
