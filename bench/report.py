"""results.md: the tables printed at the end of a run; and the one progress line per configuration."""
from .figures import Figures
from .plan import APP_ROUTES, COST_ROUTES, HTTPS_ROUTES, ROUTES, SWEEP_ROUTES
from .targets import BASELINE

SHORT = {"hello": "hello", "template": "template", "db": "db", "static-4k": "4k", "static-1m": "1m", "upload-1m": "upload"}
MARK = {True: "met", False: "MISSED", None: "not measured"}
UNSTABLE = 1.5  # max / min of a point's runs above which its median is marked
BUSY = 0.05  # other processes' share of the CPU while a row ran, above which its figures are suspect
CPU_NOTE = ("CPU: user + system time of every process of the configuration (web server, app server and its workers, "
            "PostgreSQL) over the measured runs, per request wrk completed; wrk's own is not in it. A process that "
            "exits during a run (an Apache child reaped under load) takes its time with it, so such a row reads low "
            "(bench/cpu.py).")


def rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def ms(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def cpu_ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else ms(value)  # two decimals: the floor target is a ratio of 1.3


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def progress(index: int, total: int, row: dict, connections: int) -> str:
    head = f"[{index:>2}/{total}] {row['label']:<44}"
    if "error" in row:
        return f"{head} {row['error']}"
    main = [p for p in row["points"] if "summary" in p and p["connections"] == connections and not p.get("https")]
    figures = [f"{SHORT[p['route']]} {rate(p['summary']['rps'])}" for p in main]
    cpu = [f"{SHORT[p['route']]} {cpu_ms(p['summary']['cpu_ms'])}" for p in main if "cpu_ms" in p["summary"]]
    errors = sum(p["summary"]["errors"] + p["summary"]["non_2xx"] for p in row["points"] if "summary" in p)
    failed = sum("error" in p for p in row["points"])
    memory = row.get("memory", {})
    foreign = row.get("foreign_cpu", 0)
    warning = f" | BUSY: other processes took {foreign:.0%} of the CPU" if foreign > BUSY else ""
    return (f"{head} up {row['startup_s']:.0f} s | {' · '.join(figures)} r/s"
            + (f" | CPU {' · '.join(cpu)} ms/req" if cpu else "") + f" | {errors} errors/≥400"
            f"{f' | {failed} points failed' if failed else ''} | RSS {mib(memory.get('rss_kib', 0))} | {row['seconds']:.0f} s"
            + warning)


def markdown(document: dict) -> str:
    f, meta = Figures(document), document["meta"]
    method, machine, connections = meta["method"], meta["machine"], meta["method"]["connections"]
    lines = [
        f"# Benchmark {meta['timestamp']}{' (smoke mode: not figures to quote)' if meta['smoke'] else ''}", "",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_mib']} MiB, kernel {machine['kernel']};"
        f" load average {machine['load_average_at_start'][0]} at the start, {meta['load_average_at_end'][0]} at the end.",
        f"- Pinned: {meta['pinned']}.",
        f"- Method: {meta['versions']['wrk']}, keep-alive, {connections} connections for the route columns;"
        f" per point one checked request, a {method['warmup']:g} s warm-up, then {method['repetitions']} × "
        f"{method['seconds']:g} s; medians (min–max). Errors: connect, read, write and timeouts (> {method['timeout']:g} s);"
        " ≥ 400: answers wrk counts as failed (each point's first request must be a 2xx with the right body).",
        f"- HTTPS: {meta['https']}",
        f"- Upload: {meta['upload']}",
        "- Versions: " + ", ".join(f"{name} {version}" for name, version in meta["versions"].items()), "",
    ]
    lines += _main_table(f, "Requests/s", "rps", rate, connections)
    lines += _main_table(f, "CPU ms/request", "cpu_ms", cpu_ms, connections, CPU_NOTE)
    lines += _main_table(f, "p99 latency (ms)", "p99_ms", ms, connections)
    lines += _costs(f)
    lines += _sweep(f, method["sweep"])
    lines += _https(f)
    lines += ["## Targets", ""]
    lines += [f"- **{MARK[t['met']]}**: {t['target']}" + (f" — {'; '.join(t['problems'])}" if t["problems"] else "")
              for t in document["targets"]]
    lines += ["", "## Configurations", "", "| configuration | settings | up in | RSS | PSS | processes | CPU used by others |",
              "|---|---|---|---|---|---|---|"]
    for row in document["rows"]:
        memory = row.get("memory", {})
        settings = ", ".join(f"{k}={v}" for k, v in {**row.get("settings", {}), **row["env"]}.items()) or "-"
        lines.append(f"| {row['label']} | {settings} | {row.get('startup_s', '-')} s | {mib(memory.get('rss_kib', 0))} "
                     f"| {mib(memory.get('pss_kib', 0))} | {memory.get('processes', '-')} | {row.get('foreign_cpu', 0):.0%} |")
    return "\n".join(lines) + "\n"


def _main_table(f: Figures, title: str, key: str, fmt, connections: int, note: str = "") -> list[str]:
    """One line per row; requests/s also shows each row's RSS and its errors at this concurrency."""
    extra = key == "rps"
    lines = [f"## {title} at {connections} connections, plain HTTP: median (min–max), × bare gunicorn", "",
             "| configuration | " + " | ".join(ROUTES[r].label for r in APP_ROUTES) + (" | RSS | errors, ≥ 400 |" if extra else " |"),
             "|---|" + "---:|" * (len(APP_ROUTES) + (2 if extra else 0))]
    for name, row in f.rows.items():
        cells = []
        for route in APP_ROUTES:
            s, base = f.find(name, route), f.value(BASELINE, route, key)
            if s is None or key not in s:
                failed = next((p["error"] for p in row.get("points", []) if p["route"] == route and "error" in p), None)
                cells.append("failed" if failed else "")
                continue
            ratio = f" {s[key] / base:.2f}×" if base and name != BASELINE else ""
            unstable = " †" if s[key + "_max"] > UNSTABLE * s[key + "_min"] else ""
            cells.append(f"{fmt(s[key])} ({fmt(s[key + '_min'])}–{fmt(s[key + '_max'])}){unstable}{ratio}")
        counts = [p["summary"] for p in row.get("points", []) if "summary" in p and p["connections"] == connections]
        errors = f"{sum(s['errors'] for s in counts)}, {sum(s['non_2xx'] for s in counts)}"
        memory = mib(row["memory"]["rss_kib"]) if "memory" in row else row.get("error", "")
        lines.append(f"| {row['label']} | " + " | ".join(cells) + (f" | {memory} | {errors} |" if extra else " |"))
    return lines + ["", f"† its runs disagree by more than {UNSTABLE:g}×: the median is no stable figure (README,"
                     " \"Performance\": bare gunicorn's connections can all land on one of its workers)."
                     + (f" {note}" if note else ""), ""]


def _sweep(f: Figures, sweep: list[int]) -> list[str]:
    lines = ["## Concurrency sweep: requests/s, p99 ms, errors + ≥ 400", "",
             "| configuration | route | " + " | ".join(f"{c} conn." for c in sweep) + " |", "|---|---|" + "---:|" * len(sweep)]
    for name, row in f.rows.items():
        if not any(p["connections"] != f.connections for p in row.get("points", [])):
            continue
        for route in SWEEP_ROUTES:
            cells = []
            for c in sweep:
                s = f.find(name, route, c)
                cells.append(f"{rate(s['rps'])}/s, {ms(s['p99_ms'])} ms, {s['errors'] + s['non_2xx']}" if s else "failed")
            lines.append(f"| {row['label']} | {ROUTES[route].label} | " + " | ".join(cells) + " |")
    return lines + [""]


def _https(f: Figures) -> list[str]:
    lines = ["## The shipped HTTPS listener (wrk over TLS, keep-alive): requests/s, p99 ms, × the same server's plain HTTP", "",
             "| front end | " + " | ".join(ROUTES[r].label for r in HTTPS_ROUTES) + " |", "|---|" + "---:|" * len(HTTPS_ROUTES)]
    for name, row in f.rows.items():
        if not any(p.get("https") for p in row.get("points", [])):
            continue
        cells = []
        for route in HTTPS_ROUTES:
            s, plain = f.find(name, route, https=True), f.value(name, route)
            cells.append(f"{rate(s['rps'])}/s, {ms(s['p99_ms'])} ms, {s['rps'] / plain:.2f}×" if s and plain else "failed")
        lines.append(f"| {row['label']} | " + " | ".join(cells) + " |")
    return lines + [""]


def _costs(f: Figures) -> list[str]:
    """Each cost row against its shipped row: what the feature it switches off costs the shipped stack."""
    lines = ["## What a feature costs: the shipped row against the same row with one feature switched", "",
             "| feature | front end | route | requests/s on | off | cost | CPU ms/request on | off |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for name, row in f.rows.items():
        if not row.get("base") or row["base"] not in f.rows:
            continue
        for route in COST_ROUTES:
            on, off = f.find(row["base"], route), f.find(name, route)
            if row.get("adds"):  # the cost row turns the feature on
                on, off = off, on
            if not (on and off):
                lines.append(f"| {row['feature']} | {f.rows[row['base']]['label']} | {ROUTES[route].label} | failed | | | | |")
                continue
            cost = 1 - on["rps"] / off["rps"]
            lines.append(f"| {row['feature']} | {f.rows[row['base']]['label']} | {ROUTES[route].label} | {rate(on['rps'])} "
                         f"| {rate(off['rps'])} | {cost:.1%} | {cpu_ms(on.get('cpu_ms', 0))} | {cpu_ms(off.get('cpu_ms', 0))} |")
    return lines + ["", "Cost: the share of requests/s the feature takes (1 − on/off); a negative figure is noise.", ""]
