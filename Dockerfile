# One Dockerfile, one target per role: gunicorn, fastcgi, apache (app servers and Apache) and nginx.
#   docker build --target gunicorn -t flask-reference/gunicorn .
# The base is a build argument: Debian bookworm from Docker Hub by default; CI passes a base it
# built itself with .ci/docker-base. Upgrading the base: change the tag here, rebuild, make e2e.
ARG BASE_IMAGE=debian:12.12-slim

# ---- builder: the virtualenv, with mod_wsgi compiled against this image's Apache and Python ----
FROM ${BASE_IMAGE} AS builder
ENV DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 python3-venv python3-dev gcc libc6-dev apache2-dev \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
WORKDIR /src
COPY pyproject.toml constraints.txt wsgi.py ./
COPY app ./app
COPY deploy ./deploy
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install -c constraints.txt '.[deploy,apache]'

# ---- python: what every Python role shares; no compiler, a non-root user ----
FROM ${BASE_IMAGE} AS python
ENV DEBIAN_FRONTEND=noninteractive PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    APP_DIR=/srv/flask-reference APP_ENV_FILE=/dev/null LOG_FORMAT=json \
    UPLOAD_FOLDER=/var/lib/flask-reference/uploads MAINTENANCE_FILE=/var/lib/flask-reference/maintenance
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 libpython3.11 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /srv/flask-reference --shell /usr/sbin/nologin app \
 && mkdir -p /var/lib/flask-reference/uploads /run/flask-reference \
 && chown -R app:app /var/lib/flask-reference /run/flask-reference
COPY --from=builder /opt/venv /opt/venv
WORKDIR /srv/flask-reference
COPY yourapplication.wsgi wsgi.py ./
COPY app ./app
COPY deploy ./deploy
VOLUME ["/var/lib/flask-reference/uploads"]
ENTRYPOINT ["/srv/flask-reference/deploy/docker/entrypoint.sh"]

# ---- gunicorn: the app server behind nginx ----
# The Python roles run as app (uid 10001, created above).
FROM python AS gunicorn
ENV GUNICORN_BIND=0.0.0.0:8000 GUNICORN_UMASK=0o022
USER 10001:10001
# 8100: /healthz's own port and threads (deploy/health.py), for nginx's health upstream.
EXPOSE 8000 8100
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["python3", "/srv/flask-reference/deploy/docker/healthcheck.py", "gunicorn"]
CMD ["gunicorn", "-c", "python:deploy.gunicorn.conf"]

# ---- fastcgi: the flup server behind nginx ----
FROM python AS fastcgi
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends libfcgi-bin && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
ENV FCGI_BIND=0.0.0.0:9000
USER 10001:10001
EXPOSE 9000 9100
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["python3", "/srv/flask-reference/deploy/docker/healthcheck.py", "fastcgi"]
CMD ["python3", "-m", "deploy.fastcgi.fcgi_server"]

# ---- apache: Apache + mod_wsgi daemon mode, serving the app and its static files ----
FROM python AS apache
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends apache2 openssl && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && rm -f /etc/apache2/sites-enabled/* \
 && mkdir -p /etc/flask-reference/tls /var/www/letsencrypt && chown app:app /etc/flask-reference/tls
# TLS_SELF_SIGNED=1: with no certificate at TLS_CERT, the entry script makes a local one.
ENV LISTEN_ADDRESS=* LISTEN_PORT=8080 HTTPS_PORT=8443 WSGI_USER=app WSGI_GROUP=app RUN_DIR=/run/flask-reference \
    TLS_CERT=/etc/flask-reference/tls/cert.pem TLS_KEY=/etc/flask-reference/tls/key.pem TLS_SELF_SIGNED=1 \
    ACME_ROOT=/var/www/letsencrypt \
    APACHE_SITE=/run/flask-reference/site.conf APACHE_ERROR_LOG=/dev/stderr APACHE_ACCESS_LOG=/dev/stdout \
    WSGI_SOCKET_PREFIX=/run/flask-reference/wsgi VENV_DIR=/opt/venv STATIC_DIR=/srv/flask-reference/app/static \
    SERVER_NAME=localhost
USER 10001:10001
EXPOSE 8080 8443
# Apache's graceful stop: requests in flight finish.
STOPSIGNAL SIGWINCH
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["python3", "/srv/flask-reference/deploy/docker/healthcheck.py", "apache"]
CMD ["apache"]

# ---- nginx: the deploy/nginx templates and the app's static files, baked in ----
FROM ${BASE_IMAGE} AS nginx
ENV DEBIAN_FRONTEND=noninteractive LOG_FORMAT=json
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx gettext-base curl openssl \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /etc/nginx/sites-enabled/* \
 && mkdir -p /run/flask-reference /etc/nginx/flask-reference /etc/flask-reference/tls /var/www/letsencrypt \
 && chown -R www-data:www-data /run/flask-reference /etc/flask-reference/tls \
 && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
COPY deploy/defaults.env /etc/nginx/flask-reference/defaults.env
COPY deploy/nginx /etc/nginx/flask-reference/templates
COPY deploy/docker/nginx-entrypoint.sh deploy/docker/self-signed.sh /usr/local/bin/
COPY app/static /srv/flask-reference/app/static
# Everything rendered at start goes to RUN_DIR, so the root filesystem can be read-only.
ENV NGINX_SITE_TEMPLATE=gunicorn-site.conf.template LISTEN_ADDRESS=* LISTEN_PORT=8080 HTTPS_PORT=8443 SERVER_NAME=localhost \
    STATIC_DIR=/srv/flask-reference/app/static RUN_DIR=/run/flask-reference NGINX_USER=www-data \
    NGINX_SNIPPETS=/run/flask-reference NGINX_SITE=/run/flask-reference/site.conf \
    TLS_CERT=/etc/flask-reference/tls/cert.pem TLS_KEY=/etc/flask-reference/tls/key.pem TLS_SELF_SIGNED=1 \
    ACME_ROOT=/var/www/letsencrypt \
    NGINX_ACCESS_LOG=/dev/stdout NGINX_ERROR_LOG=/dev/stderr \
    GUNICORN_UPSTREAM=gunicorn:8000 FASTCGI_UPSTREAM=fastcgi:9000 FASTCGI_UPSTREAM_2=fastcgi-2:9000 \
    GUNICORN_HEALTH_UPSTREAM=gunicorn:8100 FASTCGI_HEALTH_UPSTREAM=fastcgi:9100 FASTCGI_HEALTH_UPSTREAM_2=fastcgi-2:9100
# Debian's www-data (33): numeric, so the user is known without the image's /etc/passwd.
USER 33:33
EXPOSE 8080 8443
# nginx's graceful stop: finish requests in flight, then exit.
STOPSIGNAL SIGQUIT
# /healthz through nginx to the app server: healthy means the whole path answers (-k: a real
# certificate need not name 127.0.0.1).
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD ["sh", "-c", "curl -fsSk -o /dev/null https://127.0.0.1:${HTTPS_PORT}/healthz"]
ENTRYPOINT ["/usr/local/bin/nginx-entrypoint.sh"]
CMD ["nginx", "-c", "/run/flask-reference/nginx.conf", "-e", "stderr", "-g", "daemon off;"]
