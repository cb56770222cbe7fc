"""Login, logout and password change at the URLs of the stable contract."""
from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from portal.auth import views  # noqa: E402,F401
