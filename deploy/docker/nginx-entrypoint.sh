#!/bin/sh
# Entry of the nginx image: fill the deploy/nginx templates with envsubst (defaults from
# defaults.env, each overridden by the environment), then run nginx in the foreground.
set -eu
dir=/etc/nginx/flask-reference
# A default that names another variable takes its value, as in deploy/render.py: so the app's
# MAX_CONTENT_LENGTH also sets nginx's client_max_body_size (MAX_BODY_SIZE=${MAX_CONTENT_LENGTH}).
while IFS='=' read -r name value; do
  case "$name" in ''|\#*) continue ;; esac
  eval "current=\${$name:-}"
  [ -n "$current" ] || eval "export $name=\"$value\""
done < "$dir/defaults.env"
if [ "${TLS_SELF_SIGNED:-0}" = 1 ]; then
  /usr/local/bin/self-signed.sh "$(dirname "$TLS_CERT")"
fi
names=$(sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/${\1}/p' "$dir/defaults.env")
for template in "$dir"/templates/snippets/*.conf.template; do
  snippet=$(basename "$template" .template)
  envsubst "$names" < "$template" > "$NGINX_SNIPPETS/$snippet"
done
envsubst "$names" < "$dir/templates/$NGINX_SITE_TEMPLATE" > "$NGINX_SITE"
envsubst "$names" < "$dir/templates/nginx.conf.template" > "$RUN_DIR/nginx.conf"
exec "$@"
