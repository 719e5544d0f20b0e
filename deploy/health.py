"""/healthz's own door into each app server: a socket next to the app's, served by threads no app
request ever takes, so a liveness probe answers even while every app thread waits on a stalled
database or mail server (README "Health checks").

    unix:/run/flask-reference/gunicorn.sock  ->  unix:/run/flask-reference/gunicorn-health.sock
    0.0.0.0:8000                             ->  0.0.0.0:8100

The web server routes `/healthz` there (GUNICORN_HEALTH_UPSTREAM, FASTCGI_HEALTH_UPSTREAM{,_2} in
deploy/defaults.env, which follow this rule); an app server derives its own from its bind unless
told otherwise (GUNICORN_HEALTH_BIND, fcgi_server's second argument). Apache has no socket to add:
a small daemon process group of its own serves /healthz (deploy/apache/flask-reference.conf.template).
"""
import os

from deploy import defaults

# Threads each app process keeps for /healthz alone: one answers in about a millisecond, so two
# absorb a burst of probes from several load balancers; the same number sizes mod_wsgi's group.
THREADS = int(os.environ.get("HEALTH_THREADS") or defaults()["HEALTH_THREADS"])
# Not the next port: consecutive ports are often the back ends of one upstream (9000 and 9001 for
# the two flup back ends on one host, as .ci/docker-compose.hostnet.yml has them).
PORT_OFFSET = 100


def health_bind(bind: str) -> str:
    """The health socket that goes with an app server's bind (unix:PATH or HOST:PORT)."""
    if bind.startswith("unix:"):
        root, extension = os.path.splitext(bind)
        return f"{root}-health{extension or '.sock'}"
    host, _, port = bind.rpartition(":")
    return f"{host}:{int(port) + PORT_OFFSET}" if host else str(int(port) + PORT_OFFSET)
