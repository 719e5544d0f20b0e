"""The third-party judges of the manifests: `kubectl kustomize` renders every overlay,
kubernetes-validate --strict checks each document against the schemas of every supported version,
and checkov's Kubernetes policies find nothing but what deploy/kubernetes/checkov-skips lists.
"""
import json
import os
import subprocess
import sys

import pytest

from tests.kubernetes import KUBERNETES, ROOT, TREES, documents, render
from tests.services import unavailable

# The versions the manifests support: the oldest still under the big clouds' extended support,
# the kubectl of this machine image, and the newest kubernetes-validate bundles.
KUBERNETES_VERSIONS = ["1.30.0", "1.32.0", "1.37.0"]
CHECKOV = os.path.join(ROOT, os.environ.get("CHECKOV_VENV", ".venv-checkov"), "bin", "checkov")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kubernetes")
    paths = []
    for tree in TREES:
        path = folder / f"{tree.replace('/', '-')}.yaml"
        path.write_text(render(tree))
        paths.append(str(path))
    return folder, paths


@pytest.mark.parametrize("tree", TREES)
def test_kubernetes_every_overlay_renders_with_kubectl_kustomize(tree):
    kinds = sorted(document["kind"] for document in documents(tree))
    print(f"{tree}: {len(kinds)} resources: " + ", ".join(f"{kinds.count(kind)} {kind}" for kind in sorted(set(kinds))))
    for kind in ("Namespace", "ConfigMap", "Service", "Ingress", "Deployment", "Job", "HorizontalPodAutoscaler",
                 "PodDisruptionBudget", "NetworkPolicy"):
        assert kind in kinds, f"{tree} has no {kind}"
    assert all(document["metadata"].get("namespace") == "flask-reference" for document in documents(tree)
               if document["kind"] != "Namespace")


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_kubernetes_manifests_validate_against_the_schemas_of_each_supported_version(rendered, version):
    _, paths = rendered
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), "kubernetes-validate"), "--strict",
                             "--kubernetes-version", version, *paths], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERROR" not in result.stdout and "WARN" not in result.stdout, result.stdout
    valid = result.stdout.count("INFO")
    assert valid == sum(len(documents(tree)) for tree in TREES), result.stdout
    print(f"kubernetes-validate --strict {version}: {valid} documents valid")


def checkov_skips():
    skips = []
    with open(os.path.join(KUBERNETES, "checkov-skips")) as file:
        for line in file:
            if line.strip() and not line.startswith("#"):
                check, targets, reason = line.split(maxsplit=2)
                skips.append((check, targets.split(","), reason.strip()))
    return skips


def test_kubernetes_checkov_fails_no_check_but_the_listed_skips(rendered):
    if not os.path.exists(CHECKOV):
        unavailable(f"{CHECKOV} is missing: make test installs it (Makefile, checkov)")
    folder, _ = rendered
    # --skip-download: offline, no guidelines from the vendor's platform.
    result = subprocess.run([CHECKOV, "--directory", str(folder), "--framework", "kubernetes", "--skip-download",
                             "--output", "json"], capture_output=True, text=True)
    report = json.loads(result.stdout)
    failed = [(check["check_id"], check["resource"], check["file_path"]) for check in report["results"]["failed_checks"]]
    skips = checkov_skips()

    def matches(skip, check_id, resource):
        kind, _, name = resource.split(".", 2)  # Kind.namespace.name
        check, targets, _ = skip
        return check == check_id and ("*" in targets or f"{kind}/{name}" in targets)

    unexpected = [failure for failure in failed if not any(matches(skip, *failure[:2]) for skip in skips)]
    stale = [skip[:2] for skip in skips if not any(matches(skip, *failure[:2]) for failure in failed)]
    summary = report["summary"]
    print(f"checkov {summary['checkov_version']}: {summary['resource_count']} resources, {summary['passed']} passed, "
          f"{summary['failed']} failed, of which {len(failed) - len(unexpected)} listed in checkov-skips "
          f"({len(skips)} lines), {summary['parsing_errors']} parsing errors")
    assert summary["parsing_errors"] == 0
    assert not unexpected, "\n".join(f"{check} {resource} ({path})" for check, resource, path in unexpected)
    assert not stale, f"checkov-skips lines that match no failure any more: {stale}"
