"""The one entry point every front end loads: mod_wsgi, gunicorn, flup and `flask` itself.

mod_wsgi runs this file by path, so the project folder is put on sys.path first; the other
servers import it as a module from the project folder.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from app import create_app  # noqa: E402

application = create_app()
