"""Docker HEALTHCHECK for the Python images: /healthz through the role's own server.

Usage: healthcheck.py gunicorn|fastcgi|apache. Exit 0 when /healthz answers 200. gunicorn and
flup are asked on /healthz's own port (deploy/health.py), as nginx asks them: busy app threads
must not make a live server look dead.
"""
import os
import ssl
import subprocess
import sys
import urllib.request

from deploy.health import health_bind


def local(bind: str) -> tuple[str, str]:
    host, _, port = bind.rpartition(":")
    return ("127.0.0.1" if host in ("", "0.0.0.0", "*") else host), port


def http_ok(host: str, port: str, scheme: str = "http") -> bool:
    # Unverified on purpose: the question is whether the server answers, and a real certificate
    # need not name 127.0.0.1.
    context = ssl._create_unverified_context() if scheme == "https" else None
    with urllib.request.urlopen(f"{scheme}://{host}:{port}/healthz", timeout=4, context=context) as response:
        return response.status == 200


def fastcgi_ok(address: str) -> bool:
    env = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/healthz", "QUERY_STRING": "",
           "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "localhost"}
    answer = subprocess.run(["cgi-fcgi", "-bind", "-connect", address], env=env, capture_output=True, timeout=4)
    return answer.stdout.startswith(b"Status: 200")


def main(role: str) -> bool:
    if role == "gunicorn":
        from deploy.gunicorn.worker import health_bind as gunicorn_health_bind

        return http_ok(*local(gunicorn_health_bind(os.environ["GUNICORN_BIND"].split(","))))
    if role == "fastcgi":
        bind = health_bind(os.environ["FCGI_BIND"])
        return fastcgi_ok(bind[len("unix:"):] if bind.startswith("unix:") else ":".join(local(bind)))
    return http_ok(*local(f"{os.environ.get('LISTEN_ADDRESS', '*')}:{os.environ['HTTPS_PORT']}"), scheme="https")


if __name__ == "__main__":
    try:
        sys.exit(0 if main(sys.argv[1]) else 1)
    except Exception as error:  # any failure is simply "unhealthy"
        print(f"unhealthy: {error}", file=sys.stderr)
        sys.exit(1)
