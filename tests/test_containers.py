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


def test_our_containers_hold_no_privilege():
    out = compose_config("--profile", "apache", "--profile", "gunicorn", "--profile", "fastcgi").stdout
    ours = 5  # apache, gunicorn, nginx-gunicorn, fastcgi, nginx-fastcgi; db and mailhog are upstream images
    assert out.count("read_only: true") == ours
    assert out.count("- ALL") == ours and out.count("no-new-privileges:true") == ours
    assert "published: 8443" in out and 'SESSION_COOKIE_SECURE: "true"' in out


def test_the_secrets_variant_reads_the_key_and_password_from_files(tmp_path):
    secrets_dir = os.path.join(ROOT, ".secrets")
    made = not os.path.isdir(secrets_dir)
    os.makedirs(secrets_dir, exist_ok=True)
    for name in ("secret_key", "db_password"):
        path = os.path.join(secrets_dir, name)
        if not os.path.exists(path):
            with open(path, "w") as secret:
                secret.write("test\n")
    try:
        result = compose_config("-f", "docker-compose.yml", "-f", "docker-compose.secrets.yml", "--profile", "gunicorn", secret=None)
    finally:
        if made:
            shutil.rmtree(secrets_dir)
    assert result.returncode == 0, result.stderr
    assert "SECRET_KEY_FILE: /run/secrets/secret_key" in result.stdout
    assert "DATABASE_PASSWORD_FILE: /run/secrets/db_password" in result.stdout
    assert "POSTGRES_PASSWORD_FILE: /run/secrets/db_password" in result.stdout


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
