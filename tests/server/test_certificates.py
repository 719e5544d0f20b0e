"""Certificates from nothing: the install's self-signed one lets the site start, the README's
certbot command then gets a real one from an ACME server (pebble, here), and a renewal reloads the
web server through the deploy hook without a dropped request."""
import os
import socket
import ssl
import time

import pytest
from cryptography import x509

from tests.faults.load import HELLO, Load, failures

from . import cut_by_gracefuls, readme
from .acme import DIRECTORY, Pebble

TLS = "/etc/flask-reference/tls"


@pytest.fixture
def pebble(stack):
    server = Pebble(os.path.join(stack.state, "pebble")).start()  # in the server's namespace: it checks port 80 there
    stack.exec("sh", "-c", "cat > /root/pebble-ca.pem", input=open(server.ca).read())
    stack.exec("cp", f"{TLS}/fullchain.pem", f"{TLS}/privkey.pem", "/root/")  # the install's self-signed pair
    yield server
    server.stop()
    # Back to the self-signed pair, which names 127.0.0.1, for the cases after this one.
    stack.exec("sh", "-c", f"cp /root/fullchain.pem /root/privkey.pem {TLS}/")
    stack.reload_web_server()
    stack.refresh_ca()
    # The reload returns before nginx's new workers take connections with the restored certificate.
    stack.wait_until(stack.healthy, 15, "the self-signed certificate served again")


def certbot(stack, command: str):
    # Pointed at pebble, and not interactive; the rest is the README's command as it stands.
    extra = f" --server {DIRECTORY} --non-interactive --agree-tos --register-unsafely-without-email"
    return stack.exec("env", "REQUESTS_CA_BUNDLE=/root/pebble-ca.pem", "sh", "-c", command + extra, check=False, timeout=180)


def served(stack, roots: str, name: str) -> x509.Certificate:
    """The certificate the server presents for `name`, checked against pebble's root and that name."""
    context = ssl.create_default_context(cadata=roots)
    with socket.create_connection((stack.host, stack.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=name) as tls:
            return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))


def served_by_pebble(stack, roots: str, name: str, timeout: float = 10) -> x509.Certificate:
    """A reload returns before the web server's new workers answer: until then the old certificate is served."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return served(stack, roots, name)
        except ssl.SSLCertVerificationError:  # still the self-signed one
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_certbot_replaces_the_self_signed_certificate_and_renewals_drop_no_request(stack, pebble):
    name = readme.server_name()
    first = certbot(stack, readme.certbot_command())
    assert first.returncode == 0, first.stdout + first.stderr + pebble.log()
    roots = pebble.roots()
    issued = served_by_pebble(stack, roots, name)  # the deploy hook put it in place and reloaded the web server

    # A renewal under traffic: clients that trust pebble's root, as browsers trust Let's Encrypt's.
    context = ssl.create_default_context(cadata=roots)
    context.check_hostname = False  # the load asks 127.0.0.1; the name was checked above
    stack.ssl = context
    with Load(stack, [HELLO], connections=16, seconds=15) as load:
        time.sleep(3)
        # Debian's certbot.timer runs `certbot renew`, which sleeps a random while first when not on a terminal.
        renewed = certbot(stack, "certbot renew --force-renewal --no-random-sleep-on-renew")
    assert renewed.returncode == 0, renewed.stdout + renewed.stderr
    bad = failures(load.samples)
    if stack.frontend == "apache":  # the hook's graceful restart restarts mod_wsgi's daemons
        assert cut_by_gracefuls(bad, restarts=2), bad[:5]  # certbot may run the hook twice: from its directory and as --deploy-hook
    else:
        assert not bad, bad[:5]
    renewed_at = time.monotonic()
    while (serial := served(stack, roots, name).serial_number) == issued.serial_number and time.monotonic() - renewed_at < 10:
        time.sleep(0.2)
    assert serial != issued.serial_number
