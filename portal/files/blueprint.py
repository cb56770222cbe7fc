"""The files blueprint and its menu entries (routes are added by the views modules)."""
from flask import Blueprint

bp = Blueprint("files", __name__, url_prefix="/files")
