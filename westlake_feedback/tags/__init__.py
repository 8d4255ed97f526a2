"""Staff tags (coding): a codebook of tags per consultation, and the tags put on comments.

The blueprint's views are imported by the app factory (`from .tags.views import bp`): the
moderation queue imports `tags.queue`, which must not pull the views (and moderation) in."""
from flask import Blueprint

bp = Blueprint("tags", __name__, url_prefix="/staff")
