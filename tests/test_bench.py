"""make bench's smoke mode: the harness runs end to end and writes its three files. Never a speed assertion."""
import json
import os
import shutil
import subprocess
import sys

from tests.stacks.native.frontends import PROJECT_DIR
from tests.services import unavailable

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_bench_smoke_mode_writes_results_json_markdown_and_a_png(tmp_path):
    missing = [program for program in ("wrk", "nginx") if not shutil.which(program)]
    if missing:
        unavailable(f"{', '.join(missing)} not installed (scripts/system-deps test installs them)")
    done = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(tmp_path)], cwd=PROJECT_DIR,
                          capture_output=True, text=True, timeout=900)
    progress = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert done.returncode == 0, "\n".join(progress) + done.stderr[-4000:]
    (folder,) = tmp_path.iterdir()

    document = json.loads((folder / "results.json").read_text())
    assert [row["name"] for row in document["rows"]] == ["gunicorn", "nginx-gunicorn", "floor-gunicorn"]
    points = [point for row in document["rows"] for point in row["points"]]
    assert points and all(len(point["runs"]) == 1 and point["summary"]["requests"] > 0 for point in points)
    assert all(point["summary"]["cpu_ms"] > 0 for point in points)  # measured, whatever its size
    floor = next(t for t in document["targets"] if "floor app" in t["target"])
    assert floor["met"] is not None  # judged on both rows' figures, met or not
    assert {point["connections"] for point in points} == {1, 16, 64, 256}
    assert document["meta"]["versions"]["gunicorn"] and document["meta"]["machine"]["cores"] >= 1

    table = (folder / "results.md").read_text()
    assert "| bare gunicorn (baseline) |" in table and "| nginx + gunicorn |" in table
    assert "## CPU ms/request at 64 connections" in table and "| bare Flask app under bare gunicorn (CPU floor) |" in table
    assert (folder / "plot.png").read_bytes()[:8] == PNG_SIGNATURE
    assert "[ 1/3] bare gunicorn" in done.stdout and "[ 2/3] nginx + gunicorn" in done.stdout
    assert "[ 3/3] bare Flask app under bare gunicorn" in done.stdout and " ms/req | " in done.stdout
    static = next(point["url"] for point in points if point["route"] == "static-4k").split("/")[-2]  # the run's folder
    assert not os.path.exists(os.path.join(PROJECT_DIR, "app", "static", "bench", static))  # removed after the run
