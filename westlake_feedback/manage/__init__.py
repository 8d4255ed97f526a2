"""Consultation management (admins): create from a draft text, preview, publish, window, archive."""
from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/staff/consultations")

from . import views  # noqa: E402,F401
