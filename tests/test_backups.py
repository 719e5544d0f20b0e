"""The restore drill (deploy/backup/): known data written through the app, backed up, destroyed,
restored into an empty database and upload folder; every row and every file is back and served."""
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import time

import psycopg2
import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from tests.conftest import API_TOKEN

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
DATABASE = "backup_drill"
# `docker compose exec -T SERVICE COMMAND…` run here; `up` and `stop` only noted.
COMPOSE_STAND_IN = """#!/bin/sh
case "$1" in
  exec) echo "exec $3" >> "$0.calls"; shift 3 ;;
  up|stop) echo "$*" >> "$0.calls"; exit 0 ;;
esac
exec "$@"
"""
FILES = {"notes.txt": b"known text\n", "table.csv": b"a,b\n1,2\n", "image.png": bytes(range(256)) * 40}


def server(postgres_url: str, statement: str) -> None:
    """A statement on the server itself (CREATE/DROP DATABASE cannot run in a transaction)."""
    connection = psycopg2.connect(make_url(postgres_url).set(database="postgres").render_as_string(hide_password=False))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()


@pytest.fixture
def drill(postgres_url, tmp_path):
    """A database of its own: its URL, the settings deploy.backup reads as the app would, the app on it."""
    url = make_url(postgres_url).set(database=DATABASE).render_as_string(hide_password=False)
    server(postgres_url, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    server(postgres_url, f"CREATE DATABASE {DATABASE}")
    environment = {**os.environ, "APP_ENV_FILE": "/dev/null", "DATABASE_URL": url, "UPLOAD_FOLDER": str(tmp_path / "uploads"),
                   "BACKUP_DIR": str(tmp_path / "backups"), "BACKUP_KEEP": "7", "SECRET_KEY": "test"}
    yield url, environment, make_app(url, environment)
    server(postgres_url, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def make_app(url: str, environment: dict):
    """The app on the drill's database, migrated (mail is queued in the outbox, never sent)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url, "API_TOKEN": API_TOKEN,
                      "UPLOAD_FOLDER": environment["UPLOAD_FOLDER"], "WTF_CSRF_ENABLED": False, "MAIL_SUPPRESS_SEND": False})
    with app.app_context():
        upgrade()
    return app


def backup(environment: dict, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deploy.backup", *arguments], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def newest(environment: dict) -> str:
    return max(name for name in os.listdir(environment["BACKUP_DIR"]) if not name.startswith("."))


def every_row(app) -> dict:
    """Each table's rows as a sorted list: the whole content, compared as sets of full rows."""
    with app.app_context():
        db.engine.dispose()  # the pool's connections may be to the database destroy() dropped
        names = db.session.scalars(text("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")).all()
        # As JSON in PostgreSQL: every column, binary ones as hex, compared by value.
        rows = {name: sorted(db.session.scalars(text(f'SELECT to_jsonb(t)::text FROM "{name}" t'))) for name in names}
        db.session.remove()
        db.engine.dispose()  # no connection left for DROP DATABASE
    return rows


def write_known_data(client) -> None:
    for number in range(20):
        answer = client.post("/api/users/", json={"username": f"user{number}", "email": f"user{number}@example.com"},
                             headers={**AUTH, "Idempotency-Key": f"key-{number}"})
        assert answer.status_code == 201, answer.get_data(as_text=True)
    for number in range(5):
        answer = client.post("/students/new", data={"name": f"Student {number}", "city": "Pune", "addr": "1 Road", "pin": "411001"})
        assert answer.status_code == 303
    assert client.post("/mail", data={"recipient": "someone@example.com", "subject": "Hi", "body": "Hello", "attach": "y"}).status_code == 303
    for name, content in FILES.items():
        assert client.post("/uploader", data={"file": (io.BytesIO(content), name)}).status_code == 303


def destroy(postgres_url: str, environment: dict) -> None:
    """The database volume and the uploads gone: an empty database and an empty folder remain."""
    server(postgres_url, f"DROP DATABASE {DATABASE} WITH (FORCE)")
    server(postgres_url, f"CREATE DATABASE {DATABASE}")
    for name in os.listdir(environment["UPLOAD_FOLDER"]):
        os.remove(os.path.join(environment["UPLOAD_FOLDER"], name))


def test_every_row_and_file_is_back_after_the_database_and_uploads_are_destroyed(drill, postgres_url):
    url, environment, app = drill
    write_known_data(app.test_client())
    rows_before = every_row(app)
    assert {name: len(rows) for name, rows in rows_before.items()} == {
        "alembic_version": 1, "users": 20, "idempotency_keys": 25, "students": 5, "outbox": 1}

    created = backup(environment, "create")
    assert created.returncode == 0, created.stderr
    print(created.stdout)  # the time it took: README "Backups" quotes it
    destroy(postgres_url, environment)
    assert every_row(app) == {} and os.listdir(environment["UPLOAD_FOLDER"]) == []

    restored = backup(environment, "restore", newest(environment))
    assert restored.returncode == 0, restored.stderr
    print(restored.stdout)
    assert every_row(app) == rows_before
    for name, content in FILES.items():
        with open(os.path.join(environment["UPLOAD_FOLDER"], name), "rb") as restored_file:
            assert restored_file.read() == content

    client = make_app(url, environment).test_client()  # a fresh app, as after a restart
    users = client.get("/api/users/", headers=AUTH).get_json()["users"]
    assert [user["username"] for user in users] == [f"user{number}" for number in range(20)]
    for name, content in FILES.items():
        assert client.get(f"/uploads/{name}").data == content
    # The sequences came back too: the next user takes the next id, not one already used.
    assert client.post("/api/users/", json={"username": "after", "email": "after@example.com"}, headers=AUTH).get_json()["id"] == 21


def test_a_backup_taken_under_write_load_restores_a_consistent_copy(drill, postgres_url):
    """Each write is a pair in one transaction (the user and its Idempotency-Key's stored answer):
    pg_dump reads one snapshot, so every restored user has its key and every key its user."""
    url, environment, app = drill
    stop, written = threading.Event(), []

    def write(thread: int) -> None:
        client = app.test_client()
        while not stop.is_set():
            number = len(written)
            answer = client.post("/api/users/", json={"username": f"t{thread}-{number}", "email": f"t{thread}@example.com"},
                                 headers={**AUTH, "Idempotency-Key": f"t{thread}-{number}"})
            assert answer.status_code == 201
            written.append(answer.get_json()["username"])

    writers = [threading.Thread(target=write, args=(thread,)) for thread in range(3)]
    for writer in writers:
        writer.start()
    try:
        while len(written) < 50:
            time.sleep(0.05)
        before = len(written)
        created = backup(environment, "create")
        during = len(written) - before
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    assert created.returncode == 0, created.stderr
    assert during > 0, "no write happened while the backup ran"
    destroy(postgres_url, environment)

    restored = backup(environment, "restore", newest(environment))
    assert restored.returncode == 0, restored.stderr
    rows = every_row(app)
    users = {json.loads(row)["username"] for row in rows["users"]}
    keys = {json.loads(row)["key"] for row in rows["idempotency_keys"]}
    assert users == keys and before <= len(users) <= len(written)
    print(f"{len(users)} pairs restored of {len(written)} written, {during} while the backup ran")


def test_a_damaged_backup_and_a_non_empty_target_are_refused_and_the_data_stays(drill):
    url, environment, app = drill
    write_known_data(app.test_client())
    assert backup(environment, "create").returncode == 0
    rows = every_row(app)
    folder = os.path.join(environment["BACKUP_DIR"], newest(environment))

    refused = backup(environment, "restore", folder)  # the database still holds its tables
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"the database {DATABASE} is not empty" in refused.stderr and "dropdb" in refused.stderr

    dump = os.path.join(folder, "database.dump")
    with open(dump, "r+b") as damaged:
        damaged.seek(os.path.getsize(dump) // 2)
        byte = damaged.read(1)
        damaged.seek(-1, os.SEEK_CUR)
        damaged.write(bytes([byte[0] ^ 0xFF]))
    refused = backup(environment, "restore", folder)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip() == f"restore: {dump} is damaged (its SHA-256 is not the one SHA256SUMS records): use another backup"

    missing = backup(environment, "restore", "/nonexistent/backup")
    assert missing.returncode == 1 and "no such backup" in missing.stderr and "Traceback" not in missing.stderr
    assert every_row(app) == rows


def test_a_non_empty_upload_folder_is_refused_before_anything_is_restored(drill, postgres_url):
    url, environment, app = drill
    write_known_data(app.test_client())
    assert backup(environment, "create").returncode == 0
    every_row(app)
    server(postgres_url, f"DROP DATABASE {DATABASE} WITH (FORCE)")
    server(postgres_url, f"CREATE DATABASE {DATABASE}")  # the database is empty, the folder is not

    refused = backup(environment, "restore", newest(environment))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "UPLOAD_FOLDER" in refused.stderr and "is not empty" in refused.stderr and "mv " in refused.stderr
    assert every_row(app) == {}  # nothing restored: the check came first


def test_only_the_newest_backup_keep_backups_are_kept(drill):
    url, environment, app = drill
    every_row(app)
    environment["BACKUP_KEEP"] = "2"
    names = []
    for _ in range(3):
        created = backup(environment, "create")
        assert created.returncode == 0, created.stderr
        names.append(os.path.basename(created.stdout.split("wrote ")[1].split(" ")[0]))
    assert len(set(names)) == 3
    assert sorted(os.listdir(environment["BACKUP_DIR"])) == [".lock", *names[1:]]
    assert backup(environment, "list").stdout.count(environment["BACKUP_DIR"]) == 2


def test_make_backup_and_restore_move_the_data_through_the_commands_they_name(drill, postgres_url, tmp_path):
    """The compose targets' plumbing (quoting, streams, the checks), with `docker compose` replaced by a
    stand-in that runs each `exec -T SERVICE COMMAND` here: no Docker on the machine that runs the suite."""
    url, environment, app = drill
    write_known_data(app.test_client())
    rows = every_row(app)
    compose = tmp_path / "compose"
    compose.write_text(COMPOSE_STAND_IN)
    compose.chmod(0o755)
    database = make_url(url)
    environment = {**environment, "PGHOST": database.host, "PGPORT": str(database.port),
                   "POSTGRES_USER": database.username, "POSTGRES_DB": DATABASE}
    make = ["make", "--no-print-directory", "-C", ROOT, f"COMPOSE={compose}", f"UPLOADS={environment['UPLOAD_FOLDER']}"]

    made = subprocess.run([*make, "backup"], env=environment, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    destroy(postgres_url, environment)
    folder = os.path.join(environment["BACKUP_DIR"], newest(environment))
    restored = subprocess.run([*make, "restore", f"FILE={folder}"], env=environment, capture_output=True, text=True, timeout=120)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert every_row(app) == rows
    assert sorted(os.listdir(environment["UPLOAD_FOLDER"])) == sorted(FILES)

    again = subprocess.run([*make, "restore", f"FILE={folder}"], env=environment, capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and "the uploads volume is not empty" in again.stdout
    assert every_row(app) == rows
    # pg_dump and pg_restore in db; the uploads from the running app, put back through the outbox
    # sender's container, which migrates nothing; the second restore stops at the uploads check.
    restore = ["up -d --no-build db outbox", "exec outbox", "exec db", "exec outbox", "stop outbox"]
    assert open(f"{compose}.calls").read().splitlines() == ["exec db", "exec gunicorn", *restore, *restore[:2]]


def test_with_uploads_in_a_bucket_the_backup_holds_the_database_only_and_says_so(drill, postgres_url):
    url, environment, app = drill
    rows = every_row(app)
    environment = {**environment, "UPLOAD_STORAGE": "s3", "UPLOAD_S3_BUCKET": "site-uploads"}
    created = backup(environment, "create")
    assert created.returncode == 0, created.stderr
    assert "UPLOAD_STORAGE=s3: the uploads are in bucket site-uploads" in created.stdout
    assert sorted(os.listdir(os.path.join(environment["BACKUP_DIR"], newest(environment)))) == ["SHA256SUMS", "database.dump"]
    destroy(postgres_url, environment)
    restored = backup(environment, "restore", newest(environment))
    assert restored.returncode == 0 and "the backup holds no uploads" in restored.stdout, restored.stderr
    assert every_row(app) == rows


@pytest.mark.parametrize("member", ["../outside.txt", "/etc/cron.d/evil", "link"])
def test_an_uploads_tar_with_a_name_outside_the_folder_is_refused(drill, tmp_path, member):
    _, environment, _ = drill
    folder = tmp_path / "forged"
    folder.mkdir()
    (folder / "database.dump").write_bytes(b"not read: the tar is checked first")
    with tarfile.open(folder / "uploads.tar", "w") as tar:
        entry = tarfile.TarInfo(member)
        if member == "link":
            entry.type, entry.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(entry)
        else:
            entry.size = 4
            tar.addfile(entry, io.BytesIO(b"evil"))
    digests = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in ("database.dump", "uploads.tar")}
    (folder / "SHA256SUMS").write_text("".join(f"{digest}  {name}\n" for name, digest in digests.items()))
    refused = backup(environment, "restore", str(folder))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"holds {member!r}, which is not a plain file inside UPLOAD_FOLDER: refused" in refused.stderr
    assert os.listdir(environment["UPLOAD_FOLDER"]) == []  # nothing extracted
