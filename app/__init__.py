"""The reference app: every topic of the Flask notes as a feature, built by one factory."""
import os

from flask import Flask

from . import blueprints, client_input, commands, config, database, error_reports, errors, extensions, hooks, logs, metrics, proxies, security, static_versions
from .uploads import storage as upload_storage


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; `test_config` overrides what the environment says."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config.from_env(app.instance_path))
    if test_config:
        app.config.update(test_config)
    config.require_production_secret(app)
    # The instance folder only when the embedded SQLite lives there, so a server whose code folder
    # is read-only never needs it (the local upload store makes UPLOAD_FOLDER itself).
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith(f"sqlite:///{app.instance_path}"):
        os.makedirs(app.instance_path, exist_ok=True)

    logs.init_app(app)
    error_reports.init_app(app)  # Sentry when SENTRY_DSN is set, in the process that serves
    client_input.init_app(app)
    hooks.init_app(app)  # first, so the request id and timer exist before any extension's own hooks
    security.init_app(app)
    static_versions.init_app(app)
    extensions.init_app(app)
    database.init_app(app)  # bounds every wait on the engines extensions.init_app made
    upload_storage.init_app(app)  # the store UPLOAD_STORAGE names, shared by every host
    blueprints.init_app(app)
    errors.init_app(app)
    metrics.init_app(app)  # /metrics, and the counts on every request and pool checkout
    commands.init_app(app)
    proxies.init_app(app)
    return app
