"""Attachment downloads, only for those allowed to see the owning record."""
from flask import Blueprint

bp = Blueprint("files", __name__, url_prefix="/files")

from portal.files import views  # noqa: E402,F401
