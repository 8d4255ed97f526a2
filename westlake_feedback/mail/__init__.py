"""Outgoing mail: the outbox table, enqueueing, the sender that drains it, and transports."""
from flask import Blueprint

bp = Blueprint("mail", __name__, url_prefix="/staff/outbox")

from . import views  # noqa: E402,F401
