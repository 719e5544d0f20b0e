"""plot.png: requests/s and p99 per configuration and route (min–max as error bars), the limit as a
dashed line; below, the concurrency sweep of the front ends and the baseline."""
import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

from .figures import Figures  # noqa: E402
from .plan import APP_ROUTES, ROUTES, SWEEP_ROUTES  # noqa: E402

COLOURS = {"limit": "#999999", "baseline": "#222222", "front end": "#1f77b4", "peer": "#ff7f0e",
           "floor": "#d62728", "quick": "#9467bd", "variant": "#2ca02c"}
# Which limit row bounds which route: nginx's own static serving for files, `return 200` for the rest.
LIMIT = {"static-4k": "nginx-static", "static-1m": "nginx-static"}


def draw(document: dict, path: str) -> None:
    f = Figures(document)
    bars = [row for row in document["rows"] if row["group"] != "limit"]
    figure, axes = plt.subplots(3, len(APP_ROUTES), figsize=(4 * len(APP_ROUTES), 14))
    for column, route in enumerate(APP_ROUTES):
        for line, (key, unit) in enumerate((("rps", "requests/s"), ("p99_ms", "p99 ms"))):
            ax = axes[line][column]
            found = [(row, f.find(row["name"], route)) for row in bars]
            found = [(row, s) for row, s in found if s]
            values = [s[key] for _, s in found]
            spread = [[v - s[key + "_min"] for v, (_, s) in zip(values, found)],
                      [s[key + "_max"] - v for v, (_, s) in zip(values, found)]]
            ax.bar(range(len(found)), values, yerr=spread, color=[COLOURS[row["group"]] for row, _ in found], capsize=2)
            ax.set_xticks(range(len(found)), [row["label"].split(" (")[0] for row, _ in found], rotation=60,
                          ha="right", fontsize=7)
            limit_row, limit_route = (LIMIT[route], route) if route in LIMIT else ("nginx-return", "hello")
            limit = f.value(limit_row, limit_route, key)
            if limit:
                ax.axhline(limit, linestyle="--", color=COLOURS["limit"], label=f.rows[limit_row]["label"])
                ax.legend(fontsize=7)
            ax.set_yscale("log")
            ax.set_title(f"{ROUTES[route].label}: {unit}", fontsize=9)
    _sweep(f, axes[2])
    figure.suptitle(f"{document['meta']['timestamp']}: {document['meta']['machine']['cores']} cores, "
                    f"{f.connections} connections, plain HTTP (bench/results/…/results.md)")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def _sweep(f: Figures, axes) -> None:
    panels = [(route, key) for route in SWEEP_ROUTES for key in ("rps", "p99_ms")]
    for ax, (route, key) in zip(axes, panels):
        for name, row in f.rows.items():
            points = sorted((p["connections"], p["summary"][key]) for p in row.get("points", [])
                            if p["route"] == route and "summary" in p and not p.get("https"))
            if len(points) > 1:
                ax.plot(*zip(*points), marker="o", label=row["label"].split(" (")[0], color=COLOURS[row["group"]]
                        if row["group"] != "front end" else None)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("connections")
        ax.set_title(f"sweep, {ROUTES[route].label}: {'requests/s' if key == 'rps' else 'p99 ms'}", fontsize=9)
        if ax.lines:
            ax.legend(fontsize=7)
    for ax in axes[len(panels):]:
        ax.axis("off")
