"""python -m tests.stacks.native.supervise -- COMMAND…: keep one process running, as systemd's Restart=always does.

The native runner has no init system, so a flup back end or the outbox sender killed by the kernel
(or kill -9) would stay dead. This process restarts its child when it exits on its own, and passes SIGTERM, SIGINT
and SIGHUP on: a stop is a stop (it exits with the child's status), a HUP is the child's reload.
"""
import signal
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    command = argv[argv.index("--") + 1:]
    stopping = False
    child: subprocess.Popen | None = None

    def forward(signum, _frame):
        nonlocal stopping
        if signum != signal.SIGHUP:
            stopping = True
        if child and child.poll() is None:
            child.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command)
        print(f"supervise: started pid {child.pid}: {' '.join(command)}", flush=True)
        status = child.wait()
        if stopping:
            return status if status >= 0 else 128 - status  # killed by a signal: the shell's 128 + N
        print(f"supervise: pid {child.pid} exited with {status}; restarting", flush=True)
        # A child that dies at once (bad config) is retried once a second, not in a busy loop.
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
