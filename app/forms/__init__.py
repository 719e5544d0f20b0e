"""Flask-WTF: the notes' ContactForm with modern fields, validators and CSRF."""
from flask import Blueprint

bp = Blueprint("forms", __name__)

from . import views  # noqa: E402,F401
