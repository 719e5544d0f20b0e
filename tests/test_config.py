"""Configuration: environment variables, the production secret check, proxies."""
import os
import re
import subprocess
import sys

import pytest

from app import create_app
from app.config import DEV_SECRET_KEY

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_in_production(env_overrides, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "SECRET_KEY"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3", UPLOAD_FOLDER=str(tmp_path / "up"), **env_overrides)
    return subprocess.run([sys.executable, "yourapplication.wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("secret", [None, "", DEV_SECRET_KEY])
def test_production_without_a_real_secret_key_stops_with_one_line_saying_what_to_set(tmp_path, secret):
    result = start_in_production({} if secret is None else {"SECRET_KEY": secret}, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert result.stderr.startswith("SECRET_KEY is not set: export SECRET_KEY=")


def test_production_with_a_secret_key_starts(tmp_path):
    result = start_in_production({"SECRET_KEY": "s3cret-from-the-operator"}, tmp_path)
    assert result.returncode == 0, result.stderr


def test_debug_mode_may_use_the_development_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("UPLOAD_FOLDER", str(tmp_path))
    assert create_app().config["SECRET_KEY"] == DEV_SECRET_KEY


def test_settings_come_from_environment_variables(monkeypatch, tmp_path):
    env = {
        "SECRET_KEY": "k",
        "DATABASE_URL": "postgres://u:p@db.example:5432/app",
        "MAIL_SERVER": "smtp.example",
        "MAIL_PORT": "2525",
        "MAIL_USE_TLS": "true",
        "MAIL_USE_SSL": "0",
        "MAIL_USERNAME": "me",
        "MAIL_PASSWORD": "pw",
        "MAIL_DEFAULT_SENDER": "me@example.com",
        "UPLOAD_FOLDER": str(tmp_path / "files"),
        "MAX_CONTENT_LENGTH": "1048576",
        "CORS_ORIGINS": "https://a.example, https://b.example",
        "PROXY_FIX_COUNT": "1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    config = create_app().config
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql://u:p@db.example:5432/app"
    assert (config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_USE_TLS"], config["MAIL_USE_SSL"]) == ("smtp.example", 2525, True, False)
    assert (config["MAIL_USERNAME"], config["MAIL_PASSWORD"], config["MAIL_DEFAULT_SENDER"]) == ("me", "pw", "me@example.com")
    assert config["MAIL_SUPPRESS_SEND"] is False  # a configured server is used
    assert config["UPLOAD_FOLDER"] == str(tmp_path / "files") and os.path.isdir(config["UPLOAD_FOLDER"])
    assert config["MAX_CONTENT_LENGTH"] == 1048576
    assert config["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]


def test_embedded_defaults_use_sqlite_in_the_instance_folder_and_log_mail(monkeypatch):
    for key in ("DATABASE_URL", "MAIL_SERVER", "MAIL_SUPPRESS_SEND"):
        monkeypatch.delenv(key, raising=False)
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{app.instance_path}/app.sqlite3"
    assert app.config["MAIL_SUPPRESS_SEND"] is True


def test_env_example_lists_every_variable_the_app_reads():
    source = open(os.path.join(ROOT, "app", "config.py")).read()
    read = set(re.findall(r'(?:environ\.get|_bool|_int|_float|_list|_secret)\("([A-Z_]+)"', source))
    read |= {f"{name}_FILE" for name in re.findall(r'_secret\("([A-Z_]+)"', source)}
    example = open(os.path.join(ROOT, ".env.example")).read()
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", example, re.M))
    assert read - listed == set()


def who_am_i(app, headers):
    """What the app believes about the client and its own URL, behind the given headers."""
    from flask import request, url_for

    seen = {}

    @app.get("/whoami")
    def whoami():
        seen.update(url=url_for("basics.index", _external=True), ip=request.remote_addr)
        return "ok"

    app.test_client().get("/whoami", headers=headers)
    return seen


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example", "X-Forwarded-For": "203.0.113.9"}


def test_proxy_headers_are_ignored_by_default_so_clients_cannot_spoof_them(tmp_path):
    app = create_app({"TESTING": True, "UPLOAD_FOLDER": str(tmp_path)})
    assert who_am_i(app, FORWARDED) == {"url": "http://localhost/", "ip": "127.0.0.1"}


def test_proxy_headers_are_trusted_from_proxy_fix_count_proxies(tmp_path, monkeypatch):
    monkeypatch.setenv("PROXY_FIX_COUNT", "1")
    app = create_app({"TESTING": True, "UPLOAD_FOLDER": str(tmp_path)})
    assert who_am_i(app, FORWARDED) == {"url": "https://shop.example/", "ip": "203.0.113.9"}


def test_a_forwarded_prefix_is_never_trusted_even_from_the_proxy(tmp_path, monkeypatch):
    monkeypatch.setenv("PROXY_FIX_COUNT", "1")
    app = create_app({"TESTING": True, "UPLOAD_FOLDER": str(tmp_path)})
    assert who_am_i(app, {**FORWARDED, "X-Forwarded-Prefix": "//evil.example"})["url"] == "https://shop.example/"


def test_an_env_file_fills_what_the_environment_does_not_set(tmp_path, monkeypatch):
    from app.config import load_env_file

    env_file = tmp_path / "env"
    env_file.write_text("# comment\nexport ENVFILE_A='from file'\nENVFILE_B=from file\n\nnot a setting\n")
    monkeypatch.delenv("ENVFILE_A", raising=False)
    monkeypatch.setenv("ENVFILE_B", "from environment")
    load_env_file(str(env_file))
    assert os.environ["ENVFILE_A"] == "from file"
    assert os.environ["ENVFILE_B"] == "from environment"
    monkeypatch.delenv("ENVFILE_A")
