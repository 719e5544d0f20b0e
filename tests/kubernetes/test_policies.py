"""What every pod and policy must be: "restricted" pods with limits, secrets as files, one site
name, and network policies that let only the app reach the database and mail.
"""
import pytest

from deploy import defaults
from tests.kubernetes import TREES, compose, container_env, pod_specs, resources


@pytest.mark.parametrize("tree", TREES)
def test_kubernetes_every_pod_meets_the_restricted_pod_security_standard(tree):
    found = resources(tree)
    labels = found["Namespace/flask-reference"]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    hardened_writes = {entry.split(":")[0] for entry in compose()["gunicorn"]["tmpfs"]}  # x-hardened
    for workload, pod in pod_specs(tree).items():
        security = pod["securityContext"]
        assert security["runAsNonRoot"] is True and security["runAsUser"] > 0, workload
        assert security["seccompProfile"]["type"] == "RuntimeDefault", workload
        assert pod["automountServiceAccountToken"] is False, workload
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False and context["readOnlyRootFilesystem"] is True, workload
            assert context["capabilities"] == {"drop": ["ALL"]}, workload
            assert set(container["resources"]["requests"]) == set(container["resources"]["limits"]) == {"cpu", "memory"}
            if container["image"].startswith("flask-reference/"):
                empty_dirs = {volume["name"] for volume in pod["volumes"] if "emptyDir" in volume}
                written = {mount["mountPath"] for mount in container["volumeMounts"] if mount["name"] in empty_dirs}
                assert hardened_writes <= written, f"{workload} cannot write {hardened_writes - written}"


@pytest.mark.parametrize("tree", TREES)
def test_kubernetes_secrets_are_files_named_by_file_variables(tree):
    for workload, pod in pod_specs(tree).items():
        container = pod["containers"][0]
        env = container_env(tree, pod) if "envFrom" in container else {
            variable["name"]: variable.get("value", "") for variable in container.get("env", [])}
        assert not any(variable.get("valueFrom", {}).get("secretKeyRef") for variable in container.get("env", [])), workload
        secret_files = set()
        volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}  # no claim templates
        for mount in container.get("volumeMounts", []):
            volume = volumes.get(mount["name"], {})
            if "secret" in volume:
                secret_files |= {f"{mount['mountPath']}/{item['path']}" for item in volume["secret"].get("items", [])}
        for name, path in env.items():
            if name in ("SECRET_KEY_FILE", "DATABASE_PASSWORD_FILE", "POSTGRES_PASSWORD_FILE"):
                assert path in secret_files, f"{workload} {name}={path} is no mounted secret"
        assert not {"SECRET_KEY", "DATABASE_PASSWORD", "POSTGRES_PASSWORD"} & set(env), workload


def test_kubernetes_site_name_and_body_limit_agree_everywhere():
    found = resources("overlays/gunicorn")
    configmaps = {name.split("/")[1].rsplit("-", 1)[0]: document["data"] for name, document in found.items()
                  if name.startswith("ConfigMap/")}
    site = configmaps["web-env"]["SERVER_NAME"]
    ingress = found["Ingress/web"]
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == [site] == ingress["spec"]["tls"][0]["hosts"]
    assert configmaps["app-env"]["TRUSTED_HOSTS"].split(",")[0] == site
    body_limit = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert int(body_limit.rstrip("m")) * 1024 * 1024 == int(defaults()["MAX_CONTENT_LENGTH"])


@pytest.mark.parametrize("tree", TREES)
def test_kubernetes_network_policies_let_only_the_app_reach_database_and_mail(tree):
    found = resources(tree)
    policies = [document for document in found.values() if document["kind"] == "NetworkPolicy"]
    deny = found["NetworkPolicy/default-deny"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    app_only = {"flask-reference/app": "true"}
    for policy in policies:
        spec = policy["spec"]
        for rule in spec.get("egress", []):
            ports = {port["port"] for port in rule.get("ports", [])}
            if ports & {5432, 587, 1025}:
                assert spec["podSelector"]["matchLabels"] == app_only, policy["metadata"]["name"]
        for rule in spec.get("ingress", []):
            ports = {port["port"] for port in rule.get("ports", [])}
            if ports & {5432, 1025}:
                assert [peer["podSelector"]["matchLabels"] for peer in rule["from"]] == [app_only]
    # The web tier (nginx) runs no app, so no database or mail egress applies to it.
    for workload, pod in pod_specs(tree).items():
        labels = found[workload]["spec"]["template"]["metadata"]["labels"]
        if labels.get("app.kubernetes.io/name") == "nginx":
            assert "flask-reference/app" not in labels
