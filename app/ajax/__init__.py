"""Ajax: the notes' Sijax say_hi on Flask 3, and the same exchange with fetch() and JSON."""
from flask import Blueprint

bp = Blueprint("ajax", __name__, url_prefix="/ajax")

from . import vendor, views  # noqa: E402,F401
