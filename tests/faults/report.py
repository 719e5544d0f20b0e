"""The "what clients saw" table: one Result row per fault and front end, printed and written as JSON."""
import json
import os
from dataclasses import asdict, dataclass, field


@dataclass
class Result:
    """One row of the table: what a client saw while one fault was provoked on one front end."""

    fault: str
    frontend: str
    sent: int = 0
    failed: int = 0
    slowest: float = 0.0  # seconds, the slowest answer a client waited for
    recovery: float | None = None  # seconds until the stack served normally again; None: not applicable
    problems: list[str] = field(default_factory=list)  # each a target missed; empty means passed
    details: list[str] = field(default_factory=list)  # figures printed under the table
    # A target this stack cannot reach for a reason outside it (measured, and named here): the row
    # says LIMIT instead of ok, and the test still fails if the case's own bound is exceeded.
    limit: str = ""

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def verdict(self) -> str:
        return "FAILED" if self.problems else "LIMIT" if self.limit else "ok"

    def expect(self, condition: bool, problem: str) -> None:
        if not condition:
            self.problems.append(problem)


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


def write_json(results: list[Result], path: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    rows = [{**asdict(r), "verdict": r.verdict} for r in results]
    with open(path, "w") as out:
        json.dump(rows, out, indent=2)
        out.write("\n")
