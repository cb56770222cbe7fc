"""The api blueprint and its menu entries (routes are added by the views modules)."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
