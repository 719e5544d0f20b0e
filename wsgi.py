"""The WSGI entry point every front end imports: `wsgi:application`.

gunicorn and flup import it; mod_wsgi loads yourapplication.wsgi, which imports it. Servers that
give the app no environment of its own (mod_wsgi's daemon processes) read the settings from an
env file: APP_ENV_FILE, default /etc/flask-reference/env (variables already set win).
"""
import os

from app import create_app
from app.config import load_env_file

load_env_file(os.environ.get("APP_ENV_FILE") or "/etc/flask-reference/env")
application = create_app()
