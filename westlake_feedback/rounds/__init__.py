"""Redraft rounds (修改稿): import a revised draft as the next round, review and correct its clause
alignment, publish it; public round pages and the comparison table (修改对照表)."""
from flask import Blueprint

bp = Blueprint("rounds", __name__)

from . import public, staff  # noqa: E402,F401
