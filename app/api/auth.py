"""Who is calling the API: g.user from an `Authorization: Bearer <API_TOKEN>` header."""
import functools
import hmac

from flask import current_app, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from . import bp


@bp.before_request
def load_api_user():
    # API requests ignore the browser session, so a page's cookie can never authorise an API write.
    g.user = None
    token = current_app.config["API_TOKEN"]
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(), token.encode()):
        g.user = "api"


READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def user_required(f):
    """The notes' decorator, applied to the whole MethodView: reads are public, writes answer 401."""

    @functools.wraps(f)
    def decorator(*args, **kwargs):
        if request.method not in READ_METHODS and not g.user:
            raise Unauthorized(
                "Send 'Authorization: Bearer <API_TOKEN>' to change users.",
                www_authenticate=WWWAuthenticate("bearer", {"realm": "api"}),
            )
        return f(*args, **kwargs)

    return decorator
