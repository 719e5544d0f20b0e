"""python -m stack up|down|status: the native stack for people without Docker, and for the tests."""
import argparse
import glob
import os
import sys

from . import runner
from .frontends import FRONTENDS, PROJECT_DIR

DEFAULT_ROOT = os.path.join(PROJECT_DIR, ".native")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start PostgreSQL, an SMTP sink, the app server and the web server")
    up.add_argument("--frontend", choices=FRONTENDS, required=True)
    up.add_argument("--port", type=int, default=8080, help="plain HTTP, which redirects to HTTPS")
    up.add_argument("--https-port", type=int, default=8443)
    up.add_argument("--state", help=f"folder for configs, logs and pids (default {DEFAULT_ROOT}/FRONTEND)")
    down = sub.add_parser("down", help="stop what `up` started (every stack under .native/ by default)")
    down.add_argument("--state", action="append")
    sub.add_parser("status", help="list the running stacks")
    args = parser.parse_args(argv)

    if args.command == "up":
        state = os.path.abspath(args.state or os.path.join(DEFAULT_ROOT, args.frontend))
        if runner.load(state):
            print(f"a stack is already recorded in {state}; run `make down-native` first", file=sys.stderr)
            return 1
        try:
            info = runner.up(args.frontend, args.port, state, https_port=args.https_port)
        except runner.StackError as error:
            print(f"up-native failed: {error}", file=sys.stderr)
            return 1
        print(f"{args.frontend} stack answering on {info['url']} (and {info['http_url']}, which redirects)")
        print(f"  its local CA: {info['tls']['ca']}  (curl --cacert …, or SSL_CERT_FILE=… make smoke)")
        print(f"  API token: {info['api_token']}   mail: {info['maildir']}   logs and configs: {state}")
        print(info["url"])
        return 0
    states = args.state if args.command == "down" and args.state else sorted(glob.glob(os.path.join(DEFAULT_ROOT, "*")))
    for state in states:
        info = runner.load(state)
        if info is None:
            continue
        if args.command == "status":
            print(f"{info['frontend']:<9} {info['url']}  ({state})")
        else:
            print(f"stopped {', '.join(runner.down(state)) or 'nothing still running'} ({state})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
