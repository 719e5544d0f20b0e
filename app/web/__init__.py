"""The request object, cookies, the session, redirects and error codes, message flashing."""
from flask import Blueprint

bp = Blueprint("web", __name__)

from . import cookies, flashing, redirects, request_object, sessions  # noqa: E402,F401
