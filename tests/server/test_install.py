"""The README's install, on a fresh Debian server: what it leaves, and that running it again is safe."""
import re

from tests.faults.load import HELLO, TEMPLATE, Load, failures

from . import cut_by_gracefuls, readme

UNIT_FILES = {"gunicorn": ["flask-reference-gunicorn.service"], "fastcgi": ["flask-reference-fcgi@.service"], "apache": []}


def test_every_service_is_enabled_and_running(stack):
    for unit in stack.units():
        assert stack.systemctl("is-enabled", unit, check=False).stdout.strip() == "enabled", unit
        assert stack.systemctl("is-active", unit, check=False).stdout.strip() == "active", unit
    assert stack.systemctl("is-system-running", check=False).stdout.strip() == "running", \
        stack.systemctl("--failed", "--no-pager", check=False).stdout


def test_the_units_run_what_app_dir_holds(stack):
    # VENV_DIR and STATIC_DIR follow APP_DIR: the units start the checkout's venv, the site serves its static files.
    for unit in [*stack.units()]:
        if unit.startswith("flask-reference"):
            command = stack.systemctl("show", "-p", "ExecStart", "--value", unit).stdout
            assert f"path={readme.checkout_folder()}/.venv/bin/" in command, (unit, command)
    answer = stack.request("GET", "/static/hello.js")
    assert answer.status == 200 and b"hello" in answer.body.lower()


def test_systemd_analyze_verify_finds_nothing_in_the_units(stack):
    files = [f"/etc/systemd/system/{name}" for name in ["flask-reference-outbox.service", *UNIT_FILES[stack.frontend]]]
    done = stack.exec("systemd-analyze", "verify", *files, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "" and done.stderr.strip() == "", done.stdout + done.stderr


def test_the_units_sandbox_leaves_little_exposed(stack):
    # systemd-analyze security scores 0 (locked down) to 10 (exposed); "OK" is below 2. What stays open is
    # what the app needs: the network (PostgreSQL, SMTP), its own user's processes, W^X-free memory
    # aside, no root image (it runs from the checkout).
    for unit in stack.units():
        if unit.startswith("flask-reference"):
            report = stack.exec("systemd-analyze", "security", "--no-pager", unit).stdout
            level = float(re.search(r"Overall exposure level for \S+: (\d+\.\d+)", report).group(1))
            assert level <= 2.0, report


def test_the_flask_cli_reads_the_servers_env_file(stack):
    # `flask --app wsgi` loads the WSGI entry, which reads /etc/flask-reference/env: the migrations see the database.
    current = stack.flask("db", "current")
    assert current.returncode == 0 and "(head)" in current.stdout, current.stdout + current.stderr
    # The app's factory alone reads no file; its refusal says where the secret is and how to get it read.
    bare = stack.exec(f"{readme.checkout_folder()}/.venv/bin/flask", "--app", "app", "db", "current", check=False,
                      user="www-data", workdir=readme.checkout_folder())
    assert bare.returncode != 0 and "/etc/flask-reference/env" in bare.stderr and "--app wsgi" in bare.stderr, bare.stderr


def test_the_env_file_keeps_its_secrets_from_other_users(stack):
    listing = stack.exec("stat", "-c", "%a %U %G", "/etc/flask-reference/env").stdout.split()
    assert listing == ["640", "root", "www-data"], listing


def test_a_host_the_site_does_not_serve_gets_421_not_debians_default_site(stack):
    answer = stack.request("GET", "/", headers={"Host": "other.example"})
    assert answer.status == 421, (answer.status, answer.body[:200])


def test_running_the_install_again_changes_nothing_and_drops_no_request(stack):
    secret = stack.env_file["SECRET_KEY"]
    with Load(stack, [HELLO, TEMPLATE], connections=8, seconds=25) as load:
        again = stack.install(readme.install_command(stack.frontend))
    assert "answers on https://" in again.stdout, again.stdout[-2000:]
    del stack.env_file
    assert stack.env_file["SECRET_KEY"] == secret  # the sessions signed before stay valid
    bad = failures(load.samples)
    if stack.frontend == "apache":  # one graceful restart, which restarts mod_wsgi's daemons
        assert cut_by_gracefuls(bad, restarts=1), bad[:5]
    else:
        assert not bad, bad[:5]
