"""Message flashing: a message kept for the next request only, with categories and a filter."""
from flask import flash, redirect, render_template, request, url_for

from . import bp

CATEGORIES = ("info", "warning", "error")


@bp.route("/flash")
def flash_page():
    return render_template("web/flash.html", categories=CATEGORIES)


@bp.route("/flash/<category>", methods=["POST"])
def flash_message(category):
    if category not in CATEGORIES:
        flash(f"Unknown category; use one of {', '.join(CATEGORIES)}.", "error")
    else:
        flash(request.form.get("message") or f"A message in the {category} category.", category)
    return redirect(url_for(".flash_page"), 303)
