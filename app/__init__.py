"""The reference app: every topic of the Flask notes as a feature, built by one factory."""
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config, extensions

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; `test_config` overrides what the environment says."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config.from_env(app.instance_path))
    if test_config:
        app.config.update(test_config)
    config.require_production_secret(app)
    # Folders the app writes to; the instance folder only when the embedded SQLite lives there,
    # so a server whose code folder is read-only never needs it.
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith(f"sqlite:///{app.instance_path}"):
        os.makedirs(app.instance_path, exist_ok=True)
    os.makedirs(app.config["UPLOAD_FOLDER"], exist_ok=True)

    configure_logging(app)
    accept_client_input(app)
    register_hooks(app)  # first, so the request id and timer exist before any extension's own hooks
    register_security_headers(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    trust_proxies(app)
    return app


def configure_logging(app: Flask) -> None:
    from .logs import configure

    configure(app)


def accept_client_input(app: Flask) -> None:
    from .client_input import register

    register(app)


def register_security_headers(app: Flask) -> None:
    from .security import register

    register(app)


def register_extensions(app: Flask) -> None:
    # Reached through the module: `app.mail` is also the name of the mail feature package.
    extensions.db.init_app(app)
    app.teardown_appcontext(extensions.remove_session)  # runs before the extension's own (reverse order)
    extensions.migrate.init_app(app, extensions.db, directory=MIGRATIONS_DIR)
    extensions.mail.init_app(app)
    extensions.csrf.init_app(app)
    # The API authenticates with a bearer token, never a cookie, so any listed origin may call it.
    extensions.cors.init_app(app, resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}})


def register_blueprints(app: Flask) -> None:
    from .blueprints import register_all

    register_all(app)


def register_errorhandlers(app: Flask) -> None:
    from .errors import register

    register(app)


def register_hooks(app: Flask) -> None:
    from .hooks import register

    register(app)


def register_commands(app: Flask) -> None:
    from .commands import register

    register(app)


def trust_proxies(app: Flask) -> None:
    """Honour X-Forwarded-* from exactly PROXY_FIX_COUNT proxies; more would let clients spoof them."""
    count = app.config["PROXY_FIX_COUNT"]
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count, x_prefix=count)
