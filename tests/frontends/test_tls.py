"""TLS as sslyze sees it: Mozilla's "intermediate" profile on every front end, no TLS 1.0 or 1.1."""
import json
import os
import subprocess
import sys

import pytest


@pytest.fixture
def sslyze_scan(stack, tmp_path):
    sslyze = os.path.join(os.path.dirname(sys.executable), "sslyze")
    report = tmp_path / "sslyze.json"
    result = subprocess.run(
        [sslyze, "--mozilla_config=intermediate", f"--certinfo_ca_file={stack.ca}", f"--json_out={report}", f"127.0.0.1:{stack.port}"],
        capture_output=True, text=True, timeout=300,
    )
    return result, json.loads(report.read_text())


def test_tls_complies_with_mozilla_intermediate(sslyze_scan):
    result, _ = sslyze_scan
    assert result.returncode == 0, result.stdout[-2000:]
    assert "OK - Compliant." in result.stdout


def test_tls_1_0_and_1_1_handshakes_fail(sslyze_scan):
    _, report = sslyze_scan
    scan = report["server_scan_results"][0]["scan_result"]
    for protocol in ("ssl_2_0", "ssl_3_0", "tls_1_0", "tls_1_1"):
        assert scan[f"{protocol}_cipher_suites"]["result"]["accepted_cipher_suites"] == [], protocol
    assert scan["tls_1_3_cipher_suites"]["result"]["accepted_cipher_suites"]
