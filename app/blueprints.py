"""Every blueprint, registered in one place."""
from flask import Flask

from .admin import admin
from .ajax import bp as ajax
from .api import bp as api
from .basics import bp as basics
from .callbacks import bp as callbacks
from .context import bp as context
from .error_reports import bp as error_test
from .forms import bp as forms
from .health import bp as health
from .mail import bp as mail
from .pluggable import bp as pluggable
from .simple_page import simple_page
from .students import bp as students
from .uploads import bp as uploads
from .web import bp as web


def init_app(app: Flask) -> None:
    for blueprint in (basics, web, uploads, forms, mail, callbacks, students, ajax, pluggable, api, context, health):
        app.register_blueprint(blueprint)
    app.register_blueprint(admin, url_prefix="/admin")
    # One blueprint, two prefixes: the second registration needs its own name for url_for.
    app.register_blueprint(simple_page, url_prefix="/pages")
    app.register_blueprint(simple_page, url_prefix="/help", name="help_pages")
    if app.config["ERROR_TEST_ROUTE"]:  # a route that fails on purpose, off unless asked for
        app.register_blueprint(error_test)
