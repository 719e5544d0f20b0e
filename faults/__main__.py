"""make faults: start each front end with the native runner, provoke every fault, print one table.

python -m faults [--frontend F ...] [--case NAME ...]
Exits 1 when any case missed its target. Every load goes to 127.0.0.1 and is bounded in time.
"""
import argparse
import importlib
import os
import shutil
import sys
import tempfile
import time

from stack import runner
from stack.frontends import FRONTENDS
from stack.postgres import free_port

from .core import Result, Stack

# The order matters only for speed: the cases that restart things come after those that measure.
CASES = ["hostile", "slow_clients", "mail_outage", "database_outage", "reloads", "worker_dies", "stop",
         "overload", "soak"]


def load_case(name: str):
    return importlib.import_module(f"faults.cases.{name}")


def run_frontend(frontend: str, cases: list[str], root: str) -> list[Result]:
    state = os.path.join(root, frontend)
    started = time.monotonic()
    info = runner.up(frontend, free_port(), state, https_port=free_port())
    print(f"--- {frontend}: up in {time.monotonic() - started:.0f} s on {info['url']}", flush=True)
    results = []
    try:
        stack = Stack(info)
        for name in cases:
            started = time.monotonic()
            try:
                result = load_case(name).run(stack)
            except Exception as error:  # a case that crashes is a failed row, and the others still run
                result = Result(name, frontend, problems=[f"the case itself failed: {type(error).__name__}: {error}"])
            if not stack.healthy():
                result.problems.append("the stack was not healthy after the case")
            results.append(result)
            verdict = result.verdict + (": " + "; ".join(result.problems or [result.limit]) if result.verdict != "ok" else "")
            print(f"    {name:<16} {time.monotonic() - started:5.0f} s  {verdict}", flush=True)
    finally:
        runner.down(state)
    return results


def table(results: list[Result]) -> str:
    lines = [f"{'fault':<16} {'front end':<9} {'sent':>7} {'failed':>6} {'slowest':>8} {'recovery':>8}  result",
             "-" * 70]
    for r in results:
        recovery = "-" if r.recovery is None else f"{r.recovery:.1f} s"
        lines.append(f"{r.fault:<16} {r.frontend:<9} {r.sent:>7} {r.failed:>6} {r.slowest:>6.2f} s {recovery:>8}  "
                     f"{r.verdict}")
    notes = [f"  {r.fault}/{r.frontend}: {line}" for r in results
             for line in r.details + r.problems + ([f"LIMIT: {r.limit}"] if r.limit else [])]
    return "\n".join(lines + ([""] + notes if notes else []))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m faults", description=__doc__)
    parser.add_argument("--frontend", action="append", choices=FRONTENDS)
    parser.add_argument("--case", action="append", choices=CASES)
    parser.add_argument("--keep", action="store_true", help="keep the stacks' folders (configs, logs) afterwards")
    args = parser.parse_args(argv)
    root = tempfile.mkdtemp(prefix="faults-")
    os.chmod(root, 0o755)  # the postgres and www-data users work inside
    results = []
    started = time.monotonic()
    try:
        for frontend in args.frontend or FRONTENDS:
            results += run_frontend(frontend, args.case or CASES, root)
    finally:
        if args.keep:
            print(f"configs and logs kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print()
    print(table(results))
    print(f"\n{sum(r.passed for r in results)}/{len(results)} passed in {time.monotonic() - started:.0f} s")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
