"""Extension instances, created bare and bound to an app by init_app()."""
import os

from flask import Flask, current_app
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
    csrf.init_app(app)
    # The API authenticates with a bearer token, never a cookie, so any listed origin may call it.
    cors.init_app(app, resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}})


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
