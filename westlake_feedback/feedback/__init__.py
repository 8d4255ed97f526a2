"""Published feedback (意见采纳情况): after close, the office publishes per clause how many
opinions it received and how it answered them. Public page, admin page and the JSON builder."""
from flask import Blueprint

bp = Blueprint("feedback", __name__)

from . import tallies  # noqa: E402,F401  (registers the session hooks keeping the stored tallies)
from . import views  # noqa: E402,F401
