"""File uploads at the notes' /uploader, saved under UPLOAD_FOLDER, listed and offered back."""
from flask import Blueprint

bp = Blueprint("uploads", __name__)

from . import views  # noqa: E402,F401
