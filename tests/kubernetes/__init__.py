"""deploy/kubernetes/ without a cluster, in three parts: the third-party checks (test_checks.py),
the manifests held to docker-compose.yml (test_compose_parity.py) and the policies they must meet
(test_policies.py). Here: the rendering, and compose and the Dockerfile read as data.
"""
import functools
import os
import re
import shutil
import subprocess

import yaml

from tests.services import unavailable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KUBERNETES = os.path.join(ROOT, "deploy", "kubernetes")
# Each overlay is the compose profile of the same name; examples/trial adds every component.
PROFILES = ["apache", "gunicorn", "fastcgi"]
TREES = [f"overlays/{profile}" for profile in PROFILES] + ["examples/trial"]
# The pod of each compose service of ours, by profile; compose's fastcgi-2 is the second pod of
# the one fastcgi Deployment (overlays/fastcgi/kustomization.yaml says why).
WORKLOADS = {
    "apache": {"apache": "Deployment/apache", "outbox": "Deployment/outbox"},
    "gunicorn": {"gunicorn": "Deployment/gunicorn", "nginx-gunicorn": "Deployment/nginx", "outbox": "Deployment/outbox"},
    "fastcgi": {"fastcgi": "Deployment/fastcgi", "fastcgi-2": "Deployment/fastcgi", "nginx-fastcgi": "Deployment/nginx",
                "outbox": "Deployment/outbox"},
}
# Variables only Kubernetes has, each for a reason: TLS to an external mail relay, and uploads in
# object storage (compose keeps them on its volume).
KUBERNETES_ONLY = {"MAIL_USE_TLS", "AWS_DEFAULT_REGION", "AWS_SHARED_CREDENTIALS_FILE"}


def interpolate(value):
    """compose's ${NAME:-default} and ${NAME}, as with nothing set in the environment."""
    return re.sub(r"\$\{[A-Z_]+(?::?-([^}]*))?\}", lambda match: match.group(1) or "", str(value))


@functools.cache
def compose():
    with open(os.path.join(ROOT, "docker-compose.yml")) as file:
        services = yaml.safe_load(file)["services"]  # safe_load resolves the x-* anchors and <<
    with open(os.path.join(ROOT, "docker-compose.secrets.yml")) as file:
        secrets = yaml.safe_load(file)["services"]
    for name, override in secrets.items():
        # The secrets variant: NAME is emptied and NAME_FILE names the mounted file instead.
        environment = services[name].setdefault("environment", {})
        for key, value in override.get("environment", {}).items():
            if value == "":
                environment.pop(key, None)
            else:
                environment[key] = value
    return services


@functools.cache
def render(tree):
    if not shutil.which("kubectl"):
        unavailable("kubectl is not installed (scripts/system-deps test says how)")
    result = subprocess.run(["kubectl", "kustomize", os.path.join(KUBERNETES, tree)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


@functools.cache
def documents(tree):
    return tuple(document for document in yaml.safe_load_all(render(tree)) if document)


def resources(tree):
    return {f"{document['kind']}/{document['metadata']['name']}": document for document in documents(tree)}


def pod_specs(tree):
    return {key: document["spec"]["template"]["spec"] for key, document in resources(tree).items()
            if document["kind"] in ("Deployment", "StatefulSet", "Job")}


def container_env(tree, pod):
    """Every variable the container gets, from its ConfigMaps and its own env."""
    configmaps = {document["metadata"]["name"]: document.get("data", {})
                  for document in documents(tree) if document["kind"] == "ConfigMap"}
    container = pod["containers"][0]
    env = {}
    for source in container.get("envFrom", []):
        env.update(configmaps[source["configMapRef"]["name"]])
    env.update({variable["name"]: variable.get("value", "") for variable in container.get("env", [])})
    return env


def dockerfile_targets():
    """EXPOSE and HEALTHCHECK of each target of the Dockerfile."""
    targets, target = {}, None
    with open(os.path.join(ROOT, "Dockerfile")) as file:
        text = re.sub(r"\\\n", " ", file.read())
    for line in text.splitlines():
        if match := re.match(r"FROM \S+ AS (\S+)", line):
            target = targets.setdefault(match.group(1), {"expose": set(), "healthcheck": ""})
        elif line.startswith("EXPOSE"):
            target["expose"] |= {int(port) for port in line.split()[1:]}
        elif line.startswith("HEALTHCHECK"):
            target["healthcheck"] = line
    return targets
