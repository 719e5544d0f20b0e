"""Flask-Sijax 0.4.1 imports `_request_ctx_stack`, which Flask 3 removed, so it cannot load.

The `sijax` core library it wraps still works: this view does by hand what the extension did
(feed it the POST data, register the callback, let it answer Sijax requests).
"""
import sijax
from flask import Response, render_template, request, url_for
from markupsafe import escape

from ..errors import error_response
from . import bp


def say_hi(obj_response, name=None):
    obj_response.alert("Hi there!")
    # obj_response.html inserts HTML, so the visitor's text is escaped first.
    obj_response.html("#sijax-result", f"Hi there, {escape(name or 'stranger')}!")


@bp.route("/sijax", methods=["GET", "POST"])
def sijax_page():
    instance = sijax.Sijax()
    instance.set_data(request.form)
    instance.set_request_uri(url_for(".sijax_page"))
    instance.register_callback("say_hi", say_hi)
    if instance.is_sijax_request:
        try:
            return Response(instance.process_request(), mimetype="application/json")
        except RecursionError:  # sijax parses its arguments with json.loads, which has no depth limit
            return error_response(400, "The Sijax arguments are nested too deeply.")
    return render_template("ajax/sijax.html")


@bp.route("/fetch")
def fetch_page():
    return render_template("ajax/fetch.html")


@bp.route("/hello", methods=["POST"])
def hello():
    """The fetch() twin of say_hi: JSON in, JSON out; a bad body gets a 400 JSON answer."""
    payload = request.get_json()
    name = payload.get("name", "") if isinstance(payload, dict) else None
    if not isinstance(name, str) or len(name) > 100:
        return error_response(400, "Send a JSON object with a 'name' string of at most 100 characters.")
    return {"message": f"Hi there, {name or 'stranger'}!"}
