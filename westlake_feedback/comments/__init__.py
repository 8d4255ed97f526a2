from flask import Blueprint

bp = Blueprint("comments", __name__)

from . import views  # noqa: E402,F401
