"""A local ACME server for certbot: Debian's pebble (RFC 8555, for tests), and pebble-challtestsrv
as its DNS server, which answers 127.0.0.1 for every name. Both run in the network namespace the
caller is in (a server stack's), so pebble's HTTP-01 check reaches that server's port 80."""
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import urllib.request

from tests.stacks.native.tls import make_certificates

DIRECTORY = "https://127.0.0.1:14000/dir"
MANAGEMENT = "https://127.0.0.1:15000"
DNS = "127.0.0.1:8053"


class Pebble:
    def __init__(self, folder: str):
        self.folder = folder
        self.processes: list[subprocess.Popen] = []
        os.makedirs(folder, exist_ok=True)
        # pebble's own API over TLS: a certificate for 127.0.0.1 from a local CA, which certbot trusts.
        self.tls = make_certificates(os.path.join(folder, "api-tls"))
        self.ca = self.tls["ca"]

    def start(self) -> "Pebble":
        if not (shutil.which("pebble") and shutil.which("pebble-challtestsrv")):
            raise RuntimeError("pebble is not installed (apt-get install pebble)")
        config = os.path.join(self.folder, "pebble.json")
        with open(config, "w") as out:
            json.dump({"pebble": {
                "listenAddress": DIRECTORY.split("/")[2], "managementListenAddress": MANAGEMENT.split("/")[2],
                "certificate": self.tls["cert"], "privateKey": self.tls["key"],
                "httpPort": 80, "tlsPort": 443, "ocspResponderURL": "", "externalAccountBindingRequired": False,
            }}, out)
        env = {**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"}
        self._spawn(["pebble-challtestsrv", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", DNS,
                     "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", "127.0.0.1:8055"], "challtestsrv.log", env)
        self._spawn(["pebble", "-config", config, "-dnsserver", DNS], "pebble.log", env)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", 14000), timeout=1).close()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"pebble did not start: {self.log()}")
                time.sleep(0.2)

    def _spawn(self, command: list[str], log: str, env: dict) -> None:
        with open(os.path.join(self.folder, log), "ab") as out:
            self.processes.append(subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env))

    def roots(self) -> str:
        """The PEM of the root pebble signs with (made anew at each start)."""
        context = ssl.create_default_context(cafile=self.ca)
        with urllib.request.urlopen(f"{MANAGEMENT}/roots/0", context=context, timeout=5) as response:
            return response.read().decode()

    def log(self) -> str:
        with open(os.path.join(self.folder, "pebble.log"), errors="replace") as log:
            return log.read()[-2000:]

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
