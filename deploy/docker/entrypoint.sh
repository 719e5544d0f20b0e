#!/bin/sh
# Entry of the Python images: wait until PostgreSQL answers a query, apply the migrations, then
# become the server (exec, so the server gets SIGTERM itself and stops gracefully).
set -eu
cd /srv/flask-reference
# Empty means "from the formula" (deploy/sizing.py); gunicorn itself would fail on an empty
# WEB_CONCURRENCY, so it must be unset rather than empty.
[ -n "${WEB_CONCURRENCY:-}" ] || unset WEB_CONCURRENCY
python3 deploy/docker/wait_for_db.py
if [ "${MIGRATE:-1}" = 1 ]; then
  flask --app app db upgrade
fi
if [ "${1:-}" = apache ]; then
  if [ "${TLS_SELF_SIGNED:-0}" = 1 ]; then
    deploy/docker/self-signed.sh "$(dirname "$TLS_CERT")"
  fi
  # Apache's configs are rendered from the same deploy/ templates an operator copies.
  WSGI_MODULE=$(mod_wsgi-express module-config | sed -n 's/^LoadModule wsgi_module "\(.*\)"$/\1/p')
  export WSGI_MODULE
  python3 -m deploy.render deploy/apache/flask-reference.conf.template > "$RUN_DIR/site.conf"
  python3 -m deploy.render deploy/apache/flask-reference-limits.conf.template > "$RUN_DIR/flask-reference-limits.conf"
  python3 -m deploy.render deploy/apache/httpd.conf.template > "$RUN_DIR/httpd.conf"
  exec apache2 -DFOREGROUND -f "$RUN_DIR/httpd.conf"
fi
exec "$@"
