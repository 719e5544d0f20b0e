"""make backup and make restore through each compose profile, the README's way: data through the
site, a backup, the database and uploads volumes removed, a restore, the site up again serving
every row and the file byte for byte (the drill on its own PostgreSQL: tests/test_backups.py)."""
import json
import secrets
import shlex
import subprocess

from deploy.backup import backups
from tests.faults.mail import CSRF
from tests.hosts.test_uploads import multipart
from tests.stacks import Stack
from tests.stacks.compose.project import PROJECT_DIR, docker

TABLES = ("users", "students", "outbox", "idempotency_keys")


def every_row(stack: Stack) -> dict:
    return {table: sorted(row[0] for row in stack.sql(f"SELECT to_jsonb(t)::text FROM {table} t")) for table in TABLES}


def make(stack: Stack, *arguments: str, backups: str) -> subprocess.CompletedProcess:
    """The Makefile's target on this stack's compose files and project (CI's host-network ones)."""
    compose = " ".join(shlex.quote(part) for part in stack.project.command)
    done = subprocess.run(["make", "--no-print-directory", *arguments, f"COMPOSE={compose}", f"PROFILE={stack.frontend}"],
                          cwd=PROJECT_DIR, env={**stack.project.env, "BACKUP_DIR": backups},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"make {' '.join(arguments)}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    return done


def test_make_restore_brings_back_every_row_and_upload_after_the_volumes_are_gone(stack: Stack, tmp_path):
    name = f"backup{secrets.token_hex(4)}"
    headers = {"Authorization": f"Bearer {stack.api_token}", "Content-Type": "application/json"}
    assert stack.request("POST", "/api/users/", json.dumps({"username": name, "email": "b@example.com"}).encode(), headers).status == 201
    page = stack.request("GET", "/uploader")
    filename, content = f"{name}.txt", secrets.token_hex(4096).encode()
    body, content_type = multipart({"csrf_token": CSRF.search(page.body).group(1).decode()}, filename, content)
    posted = stack.request("POST", "/uploader", body, {"Cookie": page.headers["set-cookie"].split(";")[0],
                                                        "Content-Type": content_type, "Referer": f"{stack.url}uploader"})
    assert posted.status == 303
    rows = every_row(stack)

    made = make(stack, "backup", backups=str(tmp_path))
    [backup] = backups(str(tmp_path))
    stack.project("down")  # the containers go; then the two volumes a lost disk would take
    project = stack.project.env["COMPOSE_PROJECT_NAME"]
    for volume in ("pgdata", "uploads"):
        ids = docker("volume", "ls", "-q", "--filter", f"label=com.docker.compose.project={project}",
                     "--filter", f"label=com.docker.compose.volume={volume}").split()
        assert ids, f"no {volume} volume of project {project}"
        docker("volume", "rm", *ids)
    restored = make(stack, "restore", f"FILE={tmp_path / backup}", backups=str(tmp_path))
    stack.up()

    assert every_row(stack) == rows, made.stdout + restored.stdout
    download = stack.request("GET", f"/uploads/{filename}")
    assert (download.status, download.body) == (200, content)
