import time

from flask import g, render_template
from sqlalchemy import text

from ..hooks import get_db_connection
from . import bp


@bp.route("/callbacks")
def callbacks_page():
    # The per-request connection from hooks.py: opened here on first use, closed by teardown_request.
    students = get_db_connection().execute(text("SELECT count(*) FROM students")).scalar_one()
    return render_template(
        "callbacks/callbacks.html",
        request_id=g.request_id,
        elapsed_ms=(time.perf_counter() - g.started) * 1000,
        students=students,
    )
