"""The README's server steps are what tests/server runs: each command is read from the README's
own shell blocks, so the two cannot drift apart."""
import os
import re
import shlex

README = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "README.md")


def shell_lines() -> list[str]:
    """Every line of every ```sh block of the README."""
    with open(README) as readme:
        blocks = re.findall(r"^ *```sh\n(.*?)^ *```", readme.read(), re.M | re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def _line(pattern: str) -> str:
    found = [line for line in shell_lines() if re.match(pattern, line)]
    assert len(found) == 1, f"the README should show one command matching {pattern!r}, it shows {found}"
    return found[0]


def checkout_folder() -> str:
    """Where the README's `git clone` puts the project (APP_DIR)."""
    return shlex.split(_line(r"git clone "))[-1]


def install_command(frontend: str) -> str:
    """The README's install line, for `frontend` (the README shows it for gunicorn)."""
    line = _line(r"(\w+=\S+ )*\S*deploy/install (gunicorn|fastcgi|apache)\b")
    return re.sub(r"(deploy/install) \w+", rf"\1 {frontend}", line, count=1)


def server_name() -> str:
    return re.search(r"SERVER_NAME=(\S+)", install_command("gunicorn")).group(1)


def certbot_command() -> str:
    """The README's first certificate: certbot certonly --webroot …"""
    return _line(r"certbot certonly ")
