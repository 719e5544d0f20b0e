"""HTTP methods: the /login form (GET shows, POST acts) and a resource answering five methods."""
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from ..context.redirects import redirect_url
from ..extensions import csrf
from . import bp


class LoginForm(FlaskForm):
    username = StringField(
        "User name",
        [DataRequired(), Length(max=40), Regexp(r"^[\w.-]+$", message="Letters, digits, '.', '_' and '-' only.")],
    )
    submit = SubmitField("Log in")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("basics/login.html", form=form), 400
        session["username"] = form.username.data
        flash(f"Logged in as {form.username.data}.", "info")
        target = redirect_url()
        # From the index's "Login form" link the only referrer is this form: don't send the user back to it.
        return redirect(url_for(".index") if urlsplit(target).path == request.path else target)
    return render_template("basics/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    session.pop("username", None)
    flash("Logged out.", "info")
    return redirect(url_for(".index"))


@bp.route("/methods", methods=["GET", "HEAD", "POST", "PUT", "DELETE"])
@csrf.exempt  # a JSON resource for scripts and curl: it reads no cookie, so CSRF cannot abuse it
def methods():
    """Each method answers with what the notes say it means; HEAD is GET without the body."""
    if request.method == "DELETE":
        return "", 204
    payload = {"method": request.method, "args": request.args.to_dict(), "form": request.form.to_dict()}
    if request.is_json:
        payload["json"] = request.get_json()
    status = {"POST": 201}.get(request.method, 200)
    return payload, status
