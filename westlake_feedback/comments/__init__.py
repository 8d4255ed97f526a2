from flask import Blueprint

bp = Blueprint("comments", __name__)

from . import counts  # noqa: E402,F401  (registers the session hook keeping stored counts)
