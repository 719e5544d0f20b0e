"""Routing, converters, url_for, HTTP methods, Jinja2 templates and static files."""
from flask import Blueprint

bp = Blueprint("basics", __name__)

from . import methods, routing, templating  # noqa: E402,F401  (attach the views to bp)
