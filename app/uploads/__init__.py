"""File uploads at the notes' /uploader, kept in the store UPLOAD_STORAGE names (storage.py), listed and offered back."""
from flask import Blueprint

bp = Blueprint("uploads", __name__)

from . import views  # noqa: E402,F401
