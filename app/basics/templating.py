"""Jinja2: variables of each kind, if/for/with, inheritance, and the static hello.js page."""
from flask import render_template, request

from . import bp


@bp.route("/template")
def template_demo():
    return render_template(
        "basics/template.html",
        my_str="a string",
        my_int=42,
        my_array=[1, 2, 3],
        my_dict={"name": "Flask", "lang": "Python"},
        messages=request.args.getlist("message"),
    )


@bp.route("/static-demo")
def static_demo():
    return render_template("basics/static_demo.html")
