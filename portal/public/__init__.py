"""Pages anyone may open: landing page, health check and the public firm directory."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from portal.public import directory, views  # noqa: E402,F401
