"""The public blueprint and its menu entries (routes are added by the views modules)."""
from flask import Blueprint

bp = Blueprint("public", __name__)
