from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/staff")

from . import comment_views, queue_views  # noqa: E402,F401
