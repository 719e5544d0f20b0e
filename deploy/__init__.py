"""What runs in front of the app: templates an operator copies onto a server, and their Python.

Installed with the app (pyproject.toml), so the servers import it: `deploy.render` fills a template,
`deploy.sizing` sizes every app server, `deploy.gunicorn.conf` is gunicorn's config
(`gunicorn -c python:deploy.gunicorn.conf`) and `deploy.fastcgi.fcgi_server` the flup server
(`python -m deploy.fastcgi.fcgi_server`). They need the venv's Python (python-dotenv reads
defaults.env): `.venv/bin/python -m deploy.render TEMPLATE`, from the project folder.
"""
import os

from dotenv import dotenv_values

DEFAULTS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "defaults.env")


def defaults() -> dict[str, str]:
    """deploy/defaults.env as written: a value naming another variable keeps its ${NAME}.

    The one home of every default a template takes, and of the limits the app shares with the
    servers in front of it (app/config.py reads those here too).
    """
    return dotenv_values(DEFAULTS_FILE, interpolate=False)
