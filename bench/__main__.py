"""python -m bench [--smoke] [--only ROW ...]: every configuration in turn on one PostgreSQL, wrk
against 127.0.0.1, then bench/results/<timestamp>/ with results.json, results.md and plot.png.

A measuring script, not a test: it exits 1 only when a configuration or a point could not be run,
never because a figure missed its target (results.md says which did).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

from tests.stacks.native.frontends import PROJECT_DIR
from tests.stacks.native.tls import make_certificates

from . import environment, machine, plot, report, targets
from .figures import add_summaries
from .plan import SMOKE, SMOKE_ROWS, Method, rows
from .run import Context, measure

RESULTS = os.path.join(PROJECT_DIR, "bench", "results")
QUIET_LOAD = 1.5  # a load average above this on the machine means another job is running: figures lie
HTTPS_CHOICE = ("the shipped front ends serve HTTPS only (plain HTTP redirects); every row is compared over plain "
                "HTTP, the front ends through a bench-only listener added to their own rendered site (same server "
                "block or vhost, TLS lines dropped; bench/shipped.py), since bare gunicorn, the peers and the limit "
                "speak plain HTTP. The shipped HTTPS listener is measured too, in its own table.")
UPLOAD = ("POST /methods, multipart/form-data with one 1 MiB file (bench/lua/upload.lua): CSRF-exempt, Werkzeug "
          "parses the whole body as /uploader does, nothing is stored.")


def arguments(argv):
    names = [row.name for row in rows()]
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help=f"1 s per point, one repetition, rows {', '.join(SMOKE_ROWS)}")
    parser.add_argument("--only", nargs="+", choices=names, metavar="ROW", help=f"these rows only: {', '.join(names)}")
    parser.add_argument("--seconds", type=float, help="per repetition (default 3)")
    parser.add_argument("--repetitions", type=int, help="default 3")
    parser.add_argument("--pin", action="store_true", help="wrk on the last core (taskset), the servers on the others")
    parser.add_argument("--out", default=RESULTS, help="where the <timestamp>/ folder goes (default bench/results)")
    parser.add_argument("--keep", action="store_true", help="keep the servers' configs and logs (a temporary folder)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = arguments(argv)
    method = SMOKE if args.smoke else Method()
    method = Method(**{**vars(method), "pin": args.pin,
                       **{k: v for k, v in (("seconds", args.seconds), ("repetitions", args.repetitions)) if v}})
    chosen = [row for row in rows() if row.name in (args.only or (SMOKE_ROWS if args.smoke else [r.name for r in rows()]))]
    if shutil.which("wrk") is None:
        print("wrk is not installed: scripts/system-deps bench (apt-get install wrk)", file=sys.stderr)
        return 2
    cpus = sorted(os.sched_getaffinity(0))
    if method.pin and len(cpus) < 2:
        print("--pin needs two cores at least", file=sys.stderr)
        return 2
    meta = {"timestamp": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()), "smoke": args.smoke, "method": vars(method),
            "machine": machine.machine(), "versions": machine.versions(), "https": HTTPS_CHOICE, "upload": UPLOAD,
            "pinned": (f"yes: wrk on CPU {cpus[-1]}, servers and PostgreSQL on CPU {','.join(map(str, cpus[:-1]))}"
                       if method.pin else f"no: wrk, the servers and PostgreSQL share all {len(cpus)} cores")}
    _print_header(meta)
    results = _run(chosen, method, cpus, args.keep)
    meta["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    document = {"meta": meta, "rows": results}  # each row summarized as it was measured (_run)
    document["targets"] = targets.evaluate(document)
    folder = os.path.join(args.out, meta["timestamp"])
    os.makedirs(folder, exist_ok=True)
    text = report.markdown(document)
    with open(os.path.join(folder, "results.json"), "w") as out:
        json.dump(document, out, indent=1)
    with open(os.path.join(folder, "results.md"), "w") as out:
        out.write(text)
    plot.draw(document, os.path.join(folder, "plot.png"))
    print("\n" + text)
    print(f"results: {folder}")
    return 1 if any("error" in row or any("error" in p for p in row["points"]) for row in results) else 0


def _print_header(meta: dict) -> None:
    m = meta["machine"]
    print(f"bench {meta['timestamp']}: {m['cpu']}, {m['cores']} cores; pinned: {meta['pinned']}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()))
    print(f"HTTPS: {meta['https']}")
    if m["load_average_at_start"][0] > QUIET_LOAD:
        print(f"WARNING: load average {m['load_average_at_start'][0]} > {QUIET_LOAD}: something else is running; "
              "these figures are not fit to quote", flush=True)


def _run(chosen, method: Method, cpus: list[int], keep: bool) -> list[dict]:
    root = tempfile.mkdtemp(prefix="bench-")
    os.chmod(root, 0o755)  # the postgres and www-data users work inside
    results = []
    try:
        tls = make_certificates(os.path.join(root, "tls"))
        with environment.static_files() as static, environment.database(root) as (cluster, url):
            context = Context(root, url, cluster.pid, tls, static, method, cpus[-1] if method.pin else None,
                              set(cpus[:-1]) if method.pin else None)
            for index, row in enumerate(chosen, 1):
                result = measure(row, context)
                add_summaries([result])
                results.append(result)
                print(report.progress(index, len(chosen), result, method.connections), flush=True)
    finally:
        if keep:
            print(f"configs and logs kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return results


if __name__ == "__main__":
    sys.exit(main())
