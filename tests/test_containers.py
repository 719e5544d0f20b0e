"""The container files: the compose file is valid for every profile, the Dockerfiles pass hadolint.

The images themselves are built and run by `make e2e` (tests/e2e; CI runs it after `make test`).
"""
import glob
import os
import re
import shutil
import subprocess
import sys

import pytest

from deploy.fastcgi.fcgi_server import DrainingServer
from deploy.gunicorn import conf as gunicorn_conf
from tests.services import unavailable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROFILES = ["apache", "gunicorn", "fastcgi"]
OURS = ["apache", "fastcgi", "fastcgi-2", "gunicorn", "nginx-fastcgi", "nginx-gunicorn", "outbox"]
# Each image's STOPSIGNAL is its server's graceful stop: requests in flight finish, then it exits 0.
GRACEFUL_STOP = {"gunicorn": "SIGTERM", "fastcgi": "SIGTERM", "apache": "SIGWINCH", "nginx": "SIGQUIT"}


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
    ours = len(OURS)  # db and mailhog are upstream images
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
    result = compose_config("-f", "docker-compose.yml", "-f", ".ci/docker-compose.hostnet.yml", "--profile", profile)
    assert result.returncode == 0, result.stderr
    assert "published:" not in result.stdout and "0.0.0.0" not in result.stdout
    assert result.stdout.count("network_mode: host") == result.stdout.count("restart: unless-stopped")


@pytest.mark.parametrize("dockerfile", ["Dockerfile", *sorted(glob.glob(".ci/images/*/Dockerfile", root_dir=ROOT))])
def test_dockerfiles_pass_hadolint(dockerfile):
    hadolint = os.path.join(os.path.dirname(sys.executable), "hadolint")
    result = subprocess.run([hadolint, dockerfile], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_file_the_dockerfile_copies_is_in_the_build_context():
    with open(os.path.join(ROOT, ".dockerignore")) as ignore:
        allowed = {line[1:].strip().rstrip("/") for line in ignore if line.startswith("!")}  # after "*": only these
    with open(os.path.join(ROOT, "Dockerfile")) as dockerfile:
        copies = [line.split()[1:-1] for line in dockerfile if line.startswith("COPY ") and "--from=" not in line]
    for source in (path for sources in copies for path in sources):
        assert source.split("/")[0] in allowed, f"{source} is left out of the build context by .dockerignore"
        assert os.path.exists(os.path.join(ROOT, source)), source


def test_entry_scripts_are_executable():
    for script in glob.glob(os.path.join(ROOT, "deploy", "docker", "*.sh")) + glob.glob(os.path.join(ROOT, ".ci", "images", "*", "*.sh")):
        assert os.access(script, os.X_OK), script


def services(config: str) -> dict[str, str]:
    """`docker-compose config` output, cut into each service's block of lines."""
    section = re.search(r"^services:\n(.*?)(?=^\S|\Z)", config, re.M | re.S).group(1)
    blocks = re.split(r"^  (\S+):\n", section, flags=re.M)
    return dict(zip(blocks[1::2], blocks[2::2]))


def test_each_image_stops_with_its_servers_graceful_signal():
    stages = re.findall(r"^FROM \S+ AS (\S+)\n(.*?)(?=^FROM |\Z)", open(os.path.join(ROOT, "Dockerfile")).read(), re.M | re.S)
    signals = {name: re.findall(r"^STOPSIGNAL (\S+)", body, re.M) for name, body in stages}
    assert {name: signals[name] for name in GRACEFUL_STOP} == {name: [sig] for name, sig in GRACEFUL_STOP.items()}


def test_compose_waits_longer_than_each_servers_graceful_timeout_before_killing_it():
    with open(os.path.join(ROOT, "deploy", "apache", "flask-reference-limits.conf.template")) as conf:
        apache = int(re.search(r"^GracefulShutdownTimeout (\d+)", conf.read(), re.M).group(1))
    gunicorn, flup = gunicorn_conf.graceful_timeout, DrainingServer.graceful_timeout
    longest = max(apache, gunicorn, flup)
    assert 0 < apache and 0 < flup  # 0 would mean no limit: a stop that never ends until SIGKILL
    blocks = services(compose_config("--profile", "apache", "--profile", "gunicorn", "--profile", "fastcgi").stdout)
    assert sorted(set(blocks) - {"db", "mailhog"}) == OURS
    for name in OURS:
        grace = re.search(r"^    stop_grace_period: (?:(\d+)m)?(?:(\d+)s)?$", blocks[name], re.M)
        assert grace, f"{name} has no stop_grace_period: Docker's 10 s would cut requests short"
        assert int(grace.group(1) or 0) * 60 + int(grace.group(2) or 0) > longest, name


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_runs_the_outbox_sender_restarted_and_hardened_like_the_app(profile):
    outbox = services(compose_config("--profile", profile).stdout)["outbox"]
    assert "    - outbox\n    - send\n    - --every\n" in outbox
    assert "restart: unless-stopped" in outbox and "read_only: true" in outbox and "- ALL" in outbox
    assert "MIGRATE: '0'" in outbox  # the app server migrates; two migrations at once would collide


def test_fastcgi_runs_two_flup_back_ends_behind_nginx():
    blocks = services(compose_config("-f", "docker-compose.yml", "-f", ".ci/docker-compose.hostnet.yml", "--profile", "fastcgi").stdout)
    assert "FCGI_BIND: 127.0.0.1:9000" in blocks["fastcgi"] and "FCGI_BIND: 127.0.0.1:9001" in blocks["fastcgi-2"]
    assert "FASTCGI_UPSTREAM: 127.0.0.1:9000" in blocks["nginx-fastcgi"]
    assert "FASTCGI_UPSTREAM_2: 127.0.0.1:9001" in blocks["nginx-fastcgi"]
    assert "fastcgi-2:\n        condition: service_healthy" in blocks["nginx-fastcgi"]
