"""before_request / after_request / teardown_request and g, shown on a page of their own."""
from flask import Blueprint

bp = Blueprint("callbacks", __name__)

from . import views  # noqa: E402,F401
