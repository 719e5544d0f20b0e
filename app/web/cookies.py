"""Cookies: set with max_age, read from request.cookies, deleted (made to expire)."""
from flask import make_response, redirect, render_template, request, url_for

from . import bp

COOKIE = "demo"
MAX_AGE = 3600


@bp.route("/cookies")
def cookies():
    return render_template("web/cookies.html", value=request.cookies.get(COOKIE), max_age=MAX_AGE)


@bp.route("/cookies/set")
def set_cookie():
    value = request.args.get("value", "hello")[:100]
    response = make_response(redirect(url_for(".cookies")))
    response.set_cookie(COOKIE, value, max_age=MAX_AGE, httponly=True, samesite="Lax", secure=request.is_secure)
    return response


@bp.route("/cookies/delete")
def delete_cookie():
    # delete_cookie only tells the browser the cookie has expired; the notes make the same point.
    response = make_response(redirect(url_for(".cookies")))
    response.delete_cookie(COOKIE)
    return response
