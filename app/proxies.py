"""The proxies in front of the app, and which of their X-Forwarded-* headers it believes."""
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    """Honour X-Forwarded-* from exactly PROXY_FIX_COUNT proxies; more would let clients spoof them.

    Only the headers deploy/nginx/gunicorn-site.conf.template sets itself: For, Proto, Host and
    Port. No X-Forwarded-Prefix: the app is served at the root, and a prefix a client could slip
    through would put `//evil.example` in front of every link.
    """
    count = app.config["PROXY_FIX_COUNT"]
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count, x_prefix=0)
