"""redirect() with a chosen status code, and abort() for the codes the notes list."""
from http import HTTPStatus

from flask import abort, redirect, render_template, request, url_for

from . import bp

REDIRECT_CODES = (301, 302, 303, 307, 308)
ABORT_CODES = (400, 401, 403, 404, 406, 415, 429)


@bp.route("/redirects")
def redirects():
    # The target shows that a redirect happened, and which, from its own URL: nothing kept in a session.
    came_by = request.args.get("from", type=int)
    came_by = HTTPStatus(came_by) if came_by in REDIRECT_CODES else None
    return render_template("web/redirects.html", redirect_codes=REDIRECT_CODES, abort_codes=ABORT_CODES, came_by=came_by)


@bp.route("/redirect/<int:code>")
def redirect_with(code):
    if code not in REDIRECT_CODES:
        abort(400, f"{code} is not a redirect status; use one of {', '.join(map(str, REDIRECT_CODES))}.")
    return redirect(url_for(".redirects", **{"from": code}), code)


@bp.route("/abort/<int:code>")
def abort_with(code):
    if code not in ABORT_CODES:
        abort(404, f"This demo aborts with {', '.join(map(str, ABORT_CODES))} only.")
    abort(code)
