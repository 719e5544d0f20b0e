"""An admin blueprint with its own static folder, served at /admin/static."""
from flask import Blueprint, render_template

admin = Blueprint("admin", __name__, static_folder="static")


@admin.route("/")
def index():
    return render_template("admin/index.html")


@admin.route("/settings")
def settings():
    return render_template("admin/settings.html")
