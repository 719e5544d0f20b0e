"""The session: a dict signed with SECRET_KEY and kept in a cookie; set a key, pop it."""
from flask import flash, redirect, render_template, request, session, url_for

from . import bp

KEY = "favourite"


@bp.route("/session")
def show_session():
    return render_template("web/session.html", value=session.get(KEY), keys=sorted(session.keys()))


@bp.route("/session/set", methods=["POST"])
def set_session():
    value = request.form.get("value", "").strip()[:100]
    if not value:
        flash("Type a value to keep in the session.", "error")
        return redirect(url_for(".show_session"), 303)
    session[KEY] = value
    return redirect(url_for(".show_session"), 303)


@bp.route("/session/pop", methods=["POST"])
def pop_session():
    session.pop(KEY, None)
    return redirect(url_for(".show_session"), 303)
