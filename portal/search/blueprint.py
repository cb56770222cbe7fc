"""The search blueprint: `GET /search?q=` (a stable URL), reached from the header box, not the menu."""
from flask import Blueprint

bp = Blueprint("search", __name__)
