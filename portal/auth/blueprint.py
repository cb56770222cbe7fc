"""The auth blueprint and its menu entries (routes are added by the views modules)."""
from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")
