"""The timeouts and limits make faults measured hold on Debian's own configuration too (drop-ins)."""
import socket
import ssl
import time

CLIENT_HEADER_TIMEOUT = 10  # deploy/defaults.env


def test_a_slow_request_head_is_cut_after_client_header_timeout(stack):
    context = ssl.create_default_context(cafile=stack.ca)
    context.check_hostname = False
    with socket.create_connection((stack.host, stack.port), timeout=60) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
            started = time.monotonic()
            try:
                while tls.recv(4096):
                    pass
            except (ConnectionError, ssl.SSLError):
                pass
            held = time.monotonic() - started
    # Debian's own defaults would hold it 60 s (nginx) or 20 to 40 s (Apache's reqtimeout.conf).
    assert CLIENT_HEADER_TIMEOUT - 1 <= held <= CLIENT_HEADER_TIMEOUT + 3, held


def test_the_web_servers_worker_limits_are_the_shipped_ones(stack):
    if stack.frontend == "apache":
        # APACHE_THREADS (256) per child, every thread started at boot: 256 workers + listener + main.
        threads = [int(n) for n in stack.exec("ps", "-o", "nlwp=", "-C", "apache2").stdout.split()]
        assert max(threads) >= 256, threads
    else:
        config = stack.exec("nginx", "-T", check=False).stdout
        assert "worker_connections 4096;" in config and "worker_rlimit_nofile 8192;" in config
        assert "client_header_timeout 10s;" in config and "client_body_timeout 20s;" in config
