"""python -m tests.stacks.native up|down|status: the native stack for people without Docker, and for the tests."""
import argparse
import os
import sys

from .. import FRONTENDS
from . import DEFAULT_ROOT, NativeStack, running, runner


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.stacks.native", description=__doc__)
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
        if NativeStack.running(state):
            print(f"a stack is already recorded in {state}; run `make down-native` first", file=sys.stderr)
            return 1
        try:
            stack = NativeStack.start(args.frontend, state, args.port, https_port=args.https_port)
        except runner.StackError as error:
            print(f"up-native failed: {error}", file=sys.stderr)
            return 1
        print(f"{stack.frontend} stack answering on {stack.url} (and {stack.http_url}, which redirects)")
        print(f"  its local CA: {stack.ca}  (curl --cacert …; make smoke finds it)")
        print(f"  API token: {stack.api_token}   mail: {stack.maildir}   logs and configs: {state}")
        print(stack.url)
        return 0
    for stack in running(args.state if args.command == "down" else None):
        if args.command == "status":
            print(f"{stack.frontend:<9} {stack.url}  ({stack.state})")
        else:
            print(f"stopped {', '.join(runner.down(stack.state)) or 'nothing still running'} ({stack.state})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
