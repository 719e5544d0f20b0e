"""The JSON API: the notes' MethodView UserAPI, with CORS and bearer-token writes.

It lives under /api/ because the notes put both ShowUsers (HTML) and UserAPI (JSON) at /users/;
one URL cannot route the same method to two views, so the HTML list keeps /users/.
"""
from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api")
# Writes authenticate with a bearer token, never a cookie: a forged cross-site request carries no token.
csrf.exempt(bp)

from . import auth, openapi, users  # noqa: E402,F401
