#!/bin/sh
# Makes a local CA and a 90-day certificate for localhost (and SERVER_NAME) in DIR, unless a
# certificate is already there: HTTPS that works out of the box in compose. Trust DIR/ca.pem once,
# or mount real certificates and point TLS_CERT and TLS_KEY at them. Usage: self-signed.sh DIR
set -eu
dir=$1
[ -s "$dir/cert.pem" ] && [ -s "$dir/key.pem" ] && exit 0
names="DNS:localhost,IP:127.0.0.1,IP:::1"
case "${SERVER_NAME:-localhost}" in localhost|127.0.0.1) ;; *) names="DNS:$SERVER_NAME,$names" ;; esac
umask 077
work=$(mktemp -d)
openssl ecparam -name prime256v1 -genkey -noout -out "$work/ca-key.pem"
openssl req -x509 -new -key "$work/ca-key.pem" -sha256 -days 3650 -out "$dir/ca.pem" \
  -subj "/O=Flask reference (local)/CN=Flask reference local CA" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl ecparam -name prime256v1 -genkey -noout -out "$dir/key.pem"
openssl req -new -key "$dir/key.pem" -subj "/O=Flask reference (local)/CN=localhost" -out "$work/leaf.csr"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$names" > "$work/leaf.ext"
openssl x509 -req -in "$work/leaf.csr" -CA "$dir/ca.pem" -CAkey "$work/ca-key.pem" -CAcreateserial \
  -days 90 -sha256 -extfile "$work/leaf.ext" -out "$work/leaf.pem" 2>/dev/null
cat "$work/leaf.pem" "$dir/ca.pem" > "$dir/cert.pem"
chmod 644 "$dir/ca.pem" "$dir/cert.pem"
rm -rf "$work"  # the CA's key goes: nothing else can ever be signed with it
echo "self-signed.sh: made a local CA ($dir/ca.pem) and a certificate for $names" >&2  # stdout is the access log
