"""The server's container: started from .ci/images/server (systemd as PID 1), booted, given the project.

`docker run` as DEPLOY-NOTES.md found it works on this machine kind: --network none (its own
network namespace, only loopback), /run on tmpfs, the host's cgroup tree with --cgroupns host
(the host's hybrid layout makes systemd exit 255 otherwise); --privileged is refused here.
"""
import os
import subprocess
import time

from .wheelhouse import PROJECT_DIR

IMAGE = os.environ.get("SERVER_IMAGE") or "flask-reference/server:local"
HOSTNAME = "shop.example"
APP_DIR = "/srv/app"  # where the operator clones the project


class ServerError(RuntimeError):
    pass


def docker(*arguments: str, check: bool = True, input: str | bytes | None = None,
           timeout: float | None = 120) -> subprocess.CompletedProcess:
    """The docker CLI; text output unless `input` is bytes."""
    text = not isinstance(input, bytes)
    done = subprocess.run(["docker", *arguments], check=False, input=input, capture_output=True, text=text, timeout=timeout)
    if check and done.returncode != 0:
        error = done.stderr if text else done.stderr.decode(errors="replace")
        raise ServerError(f"docker {' '.join(arguments[:3])} … exited {done.returncode}: {error.strip()[-2000:]}")
    return done


def ensure_image() -> None:
    """Built once by .ci/server-image (make server-test does it first); built here if missing."""
    if docker("image", "inspect", IMAGE, check=False).returncode != 0:
        subprocess.run([os.path.join(PROJECT_DIR, ".ci", "server-image")], check=True)


def run(name: str, wheelhouse: str) -> None:
    docker("rm", "-f", name, check=False)  # a container an interrupted run left behind
    docker("run", "-d", "--name", name, "--hostname", HOSTNAME, "--network", "none",
           "--tmpfs", "/run", "--tmpfs", "/run/lock",
           "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--cgroupns", "host",
           "-v", f"{wheelhouse}:/wheelhouse:ro", IMAGE)


def pid(name: str) -> int:
    """The container's init, as this host numbers it (0 when it is not running)."""
    return int(docker("inspect", "-f", "{{.State.Pid}}", name).stdout.strip() or 0)


def wait_booted(name: str, timeout: float = 120) -> str:
    """systemd's own verdict once it has finished booting: "running"; anything else is an error
    naming the failed units."""
    deadline = time.monotonic() + timeout
    while True:
        state = docker("exec", name, "systemctl", "is-system-running", "--wait", check=False,
                       timeout=timeout).stdout.strip()
        if state == "running":
            return state
        if state in ("degraded", "maintenance", "stopping", "offline") or time.monotonic() > deadline:
            failed = docker("exec", name, "systemctl", "--failed", "--no-pager", "--plain", check=False).stdout
            raise ServerError(f"{name}: systemd is {state or 'not answering'} after booting:\n{failed}")
        time.sleep(0.2)  # "Failed to connect to bus": systemd is not up yet


def tracked_files() -> list[str]:
    """What a `git clone` of the working tree would hold: tracked files with their uncommitted
    changes, and untracked files git does not ignore; deleted ones left out."""
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=PROJECT_DIR, capture_output=True, check=True).stdout.decode()
    return sorted({path for path in listing.split("\0") if path and os.path.lexists(os.path.join(PROJECT_DIR, path))})


def copy_project(name: str, destination: str = APP_DIR) -> int:
    """The project into the container as an operator's clone (root-owned, like `sudo git clone`)."""
    files = tracked_files()
    docker("exec", name, "mkdir", "-p", destination)
    pack = subprocess.Popen(["tar", "--null", "-T", "-", "-c", "--owner=0", "--group=0"], cwd=PROJECT_DIR,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    unpack = subprocess.Popen(["docker", "exec", "-i", name, "tar", "-x", "-C", destination],
                              stdin=pack.stdout, stderr=subprocess.PIPE)
    pack.stdout.close()
    pack.stdin.write("\0".join(files).encode() + b"\0")
    pack.stdin.close()
    error = unpack.communicate(timeout=120)[1]
    if pack.wait(timeout=10) != 0 or unpack.returncode != 0:
        raise ServerError(f"copying the project into {name} failed: {error.decode(errors='replace')}")
    return len(files)
