"""Extension instances, created bare and bound to an app in create_app() through init_app."""
from flask_cors import CORS
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask import current_app
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
