"""Flask-Mail: a page that sends a text + HTML message with cc, bcc and an attachment."""
from flask import Blueprint

bp = Blueprint("mail", __name__)

from . import views  # noqa: E402,F401
