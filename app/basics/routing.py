"""The notes' routes: /hello, variable parts, converters, trailing slashes and url_for."""
from flask import current_app, redirect, render_template, send_from_directory, url_for

from ..catalog import FEATURES
from . import bp


@bp.route("/")
def index():
    return render_template("basics/index.html", features=FEATURES)


@bp.route("/favicon.ico")
def favicon():
    # Browsers ask for /favicon.ico on pages that name no icon (the plain-text ones here). Its URL
    # never changes, so it is revalidated (no-cache, a 304 while unchanged) rather than kept for days.
    return send_from_directory(current_app.static_folder, "favicon.ico")


def greeting(text: str, about: str) -> str:
    """The notes' one-line answers, in the layout: these pages are linked from the index, so each
    needs a title, a language and a way back (issue 18). Jinja escapes the text, so a name in the
    URL is shown, never run (the notes' 'Hello %s!' % name was an XSS hole)."""
    return render_template("basics/greeting.html", greeting=text, about=about)


def hello_world():
    return greeting("Hello World", "The notes' first view, bound with add_url_rule instead of the decorator.")


# The notes bind a plain function with add_url_rule instead of the decorator.
bp.add_url_rule("/hello", "hello", hello_world)


@bp.route("/hello/<name>")
def hello_name(name):
    return greeting(f"Hello {name}!", "A variable part of the URL, <name>, handed to the view as a string.")


@bp.route("/post/<int:post_id>")
def show_post(post_id):
    return render_template("basics/converter.html", converter="int", value=post_id)


@bp.route("/rev/<float:rev_no>")
def show_revision(rev_no):
    return render_template("basics/converter.html", converter="float", value=rev_no)


@bp.route("/path/<path:subpath>")
def show_subpath(subpath):
    return render_template("basics/converter.html", converter="path", value=subpath)


@bp.route("/python/")
def python():
    """Canonical with a slash: /python redirects here (308)."""
    return greeting("Python: /python and /python/ both land here.", "A rule that ends in a slash: without it, Flask redirects (308).")


@bp.route("/flask")
def flask_page():
    """Canonical without a slash: /flask/ is a 404."""
    return greeting("Flask: only /flask, never /flask/.", "A rule without the slash: /flask/ is a 404.")


@bp.route("/user/<name>")
def hello_user(name):
    """The notes' url_for example: admin and guests are sent to different endpoints by name."""
    if name == "admin":
        return redirect(url_for(".hello_admin"))
    return redirect(url_for(".hello_guest", guest=name))


@bp.route("/admin-greeting")
def hello_admin():
    return greeting("Hello Admin", "url_for('.hello_admin') sent /user/admin here.")


@bp.route("/guest/<guest>")
def hello_guest(guest):
    return greeting(f"Hello {guest} as Guest", "url_for('.hello_guest', guest=name) sent /user/<name> here.")
