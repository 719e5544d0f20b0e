"""Extension instances, created bare and bound to an app by init_app()."""
import os

from flask import Flask, current_app, request
from flask_cors import CORS
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase

from .smtp import Mail


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
mail = Mail()
csrf = CSRFProtect()
cors = CORS()

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")


def init_app(app: Flask) -> None:
    db.init_app(app)
    app.teardown_appcontext(remove_session)  # runs before the extension's own (reverse order)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    mail.init_app(app)
    # Flask-WTF's own hook looks up whether the view is exempt before it looks at the method, on
    # every request; this one asks only for the methods it checks (most requests are GETs: issue 19).
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    app.before_request(protect_writes)
    # The API authenticates with a bearer token, never a cookie, so any listed origin may call it.
    cors.init_app(app, resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}})
    # flask-cors hooks every answer of the app; only the API's can match, so its hook runs for the
    # api blueprint alone (its errors still get the headers: flask-cors wraps the error handlers).
    app.after_request_funcs["api"].append(app.after_request_funcs[None].pop())


def protect_writes() -> None:
    """Flask-WTF's CSRF check, with its exemptions (the API blueprint), for the methods it covers."""
    if request.method in current_app.config["WTF_CSRF_METHODS"] and current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect(apply_exemptions=True)


def remove_session(_exception=None) -> None:
    """End the request's session before Flask-SQLAlchemy's own teardown does.

    Its teardown rolls the session back; when PostgreSQL went away after the view ran, that
    rollback raises outside every error handler, and an answered request becomes the server's
    500. Here the dead connection is invalidated instead (the pool opens a fresh one later).
    """
    try:
        db.session.remove()
    except DBAPIError as error:
        current_app.logger.warning("database lost while closing the session: %s", type(error.orig).__name__)
        db.session().invalidate()  # scoped_session does not proxy invalidate()
        db.session.remove()
