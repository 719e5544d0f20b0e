"""The one entry point every front end loads: mod_wsgi, gunicorn, flup and `flask` itself.

mod_wsgi runs this file by path, so the project folder is put on sys.path first. Its daemon
processes get no environment of their own, so settings may also come from an env file:
APP_ENV_FILE, default /etc/flask-reference/env (variables already set win).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from app import create_app  # noqa: E402
from app.config import load_env_file  # noqa: E402

load_env_file(os.environ.get("APP_ENV_FILE") or "/etc/flask-reference/env")
application = create_app()
