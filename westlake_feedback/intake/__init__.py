"""Offline intake: staff record opinions that came by letter, email, phone or meeting."""
from flask import Blueprint

bp = Blueprint("intake", __name__, url_prefix="/staff/intake")

from . import views  # noqa: E402,F401
