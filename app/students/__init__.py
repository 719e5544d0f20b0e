"""Flask-SQLAlchemy: the notes' Students model with a create/list/edit/delete UI."""
from flask import Blueprint

bp = Blueprint("students", __name__, url_prefix="/students")

from . import views  # noqa: E402,F401
