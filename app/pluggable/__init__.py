"""Pluggable views: View subclasses with dispatch_request, registered through as_view()."""
from flask import Blueprint

bp = Blueprint("pluggable", __name__)

from . import views  # noqa: E402,F401
