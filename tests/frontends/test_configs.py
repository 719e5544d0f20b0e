"""The rendered deploy/ templates pass each server's own check and gixy's nginx audit."""
import os
import re
import subprocess
import sys

import pytest


def test_apache_config_passes_apache2_t(stacks):
    config = stacks["apache"].web_config
    result = subprocess.run(["apache2", "-t", "-f", config], capture_output=True, text=True)
    assert result.returncode == 0 and "Syntax OK" in result.stderr, result.stderr


@pytest.mark.parametrize("frontend", ["gunicorn", "fastcgi"])
def test_nginx_config_passes_nginx_t(stacks, frontend):
    info = stacks[frontend]
    state = info.state
    result = subprocess.run(["nginx", "-t", "-c", info.web_config, "-p", state, "-e", f"{state}/nginx-error.log"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.mark.parametrize("frontend", ["gunicorn", "fastcgi"])
def test_gixy_finds_nothing_in_the_nginx_sites(stacks, frontend):
    gixy = os.path.join(os.path.dirname(sys.executable), "gixy")
    result = subprocess.run([gixy, stacks[frontend].web_config], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Low: 0\s+Medium: 0\s+High: 0", result.stdout), result.stdout
