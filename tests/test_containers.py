"""The container files: the compose file is valid for every profile, the Dockerfiles pass hadolint.

The images themselves are built and run by `make e2e` (CI runs it after `make test`).
"""
import glob
import os
import shutil
import subprocess
import sys

import pytest

from tests.services import unavailable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROFILES = ["apache", "gunicorn", "fastcgi"]


def compose_config(*args, secret="x"):
    if not shutil.which("docker-compose"):
        unavailable("docker-compose is not installed (apt-get install docker-compose)")
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "POSTGRES_IMAGE", "MAILHOG_IMAGE")}
    if secret:
        env["SECRET_KEY"] = secret
    return subprocess.run(["docker-compose", *args, "config"], cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.mark.parametrize("profile", PROFILES)
def test_compose_file_is_valid_for_every_profile(profile):
    result = compose_config("--profile", profile)
    assert result.returncode == 0, result.stderr
    assert "published: 8080" in result.stdout  # the same port whichever profile runs
    assert "image: postgres:16-bookworm" in result.stdout and "image: mailhog/mailhog:v1.0.1" in result.stdout


def test_compose_without_a_secret_key_says_what_to_set():
    result = compose_config("--profile", "gunicorn", secret=None)
    assert result.returncode != 0
    assert "set SECRET_KEY in .env" in result.stderr


@pytest.mark.parametrize("profile", PROFILES)
def test_the_host_network_variant_publishes_nothing_and_listens_on_loopback(profile):
    result = compose_config("-f", "docker-compose.yml", "-f", "docker-compose.hostnet.yml", "--profile", profile)
    assert result.returncode == 0, result.stderr
    assert "published:" not in result.stdout and "0.0.0.0" not in result.stdout
    assert result.stdout.count("network_mode: host") == result.stdout.count("restart: unless-stopped")


@pytest.mark.parametrize("dockerfile", ["Dockerfile", *sorted(glob.glob(".ci/images/*/Dockerfile", root_dir=ROOT))])
def test_dockerfiles_pass_hadolint(dockerfile):
    hadolint = os.path.join(os.path.dirname(sys.executable), "hadolint")
    result = subprocess.run([hadolint, dockerfile], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_entry_scripts_are_executable():
    for script in glob.glob(os.path.join(ROOT, "deploy", "docker", "*.sh")) + glob.glob(os.path.join(ROOT, ".ci", "images", "*", "*.sh")):
        assert os.access(script, os.X_OK), script
