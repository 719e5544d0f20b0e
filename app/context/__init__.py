"""Request and application contexts: test_request_context, redirect_url(), current_app, url_for outside a request."""
from flask import Blueprint

bp = Blueprint("context", __name__)

from . import views  # noqa: E402,F401
