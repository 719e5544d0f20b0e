"""The figures of a run: medians with min–max per point, and lookups by row, route and connections."""
from statistics import median


def summarize(point: dict) -> dict:
    runs = point["runs"]
    rps = [run["rps"] for run in runs]
    p99 = [run["p99_us"] / 1000 for run in runs]
    cpu = [run["cpu_ms_per_request"] for run in runs if "cpu_ms_per_request" in run]
    return {
        "rps": median(rps), "rps_min": min(rps), "rps_max": max(rps),
        "p99_ms": median(p99), "p99_ms_min": min(p99), "p99_ms_max": max(p99),
        "p50_ms": median(run["p50_us"] / 1000 for run in runs),
        "mib_per_s": median(run["bytes"] / run["duration_us"] for run in runs) * 1e6 / 2**20,
        "requests": sum(run["requests"] for run in runs),
        "errors": sum(run["errors"] for run in runs),
        "non_2xx": sum(run["non_2xx"] for run in runs),
        # the row's servers and PostgreSQL, user + system, per request wrk completed (bench/cpu.py)
        **({"cpu_ms": median(cpu), "cpu_ms_min": min(cpu), "cpu_ms_max": max(cpu)} if cpu else {}),
    }


def add_summaries(rows: list[dict]) -> None:
    for row in rows:
        for point in row.get("points", []):
            if "runs" in point:
                point["summary"] = summarize(point)


class Figures:
    """find("nginx-gunicorn", "db") → the summary at the main concurrency, or None if not measured."""

    def __init__(self, document: dict):
        self.rows = {row["name"]: row for row in document["rows"]}
        self.connections = document["meta"]["method"]["connections"]

    def find(self, row: str, route: str, connections: int | None = None, https: bool = False) -> dict | None:
        for point in self.rows.get(row, {}).get("points", []):
            if (point["route"], point["connections"], point.get("https", False)) == \
                    (route, connections or self.connections, https):
                return point.get("summary")
        return None

    def value(self, row: str, route: str, key: str = "rps", **where) -> float | None:
        found = self.find(row, route, **where)
        return found.get(key) if found else None

    def headers(self, row: str, route: str) -> dict | None:
        """The answer's headers at the row's first successful point on route (its preflight request)."""
        for point in self.rows.get(row, {}).get("points", []):
            if point["route"] == route and "preflight" in point:
                return {name.lower(): value for name, value in point["preflight"]["headers"].items()}
        return None

    def failures(self, row: str) -> list[str]:
        """Each point of the row with an error, a ≥ 400 answer or a failed preflight, as text."""
        found = []
        for point in self.rows.get(row, {}).get("points", []):
            where = f"{point['route']} @{point['connections']}{' https' if point.get('https') else ''}"
            if "error" in point:
                found.append(f"{where}: {point['error']}")
            elif point["summary"]["errors"] or point["summary"]["non_2xx"]:
                s = point["summary"]
                found.append(f"{where}: {s['errors']} errors, {s['non_2xx']} answers ≥ 400 of {s['requests']}")
        if "error" in self.rows.get(row, {}):
            found.append(self.rows[row]["error"])
        return found
