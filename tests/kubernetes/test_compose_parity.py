"""The manifests say what docker-compose.yml says: the same images, commands, variables, ports,
health routes and stop times, so the two cannot drift apart.
"""
import re

import pytest

from deploy.health import PORT_OFFSET
from tests.kubernetes import (KUBERNETES_ONLY, PROFILES, WORKLOADS, compose, container_env, dockerfile_targets,
                              interpolate, pod_specs, resources)


@pytest.mark.parametrize("profile", PROFILES)
def test_kubernetes_deployments_use_the_images_variables_and_ports_of_compose(profile):
    services, pods = compose(), pod_specs(f"overlays/{profile}")
    targets = dockerfile_targets()
    ours = {name for name, service in services.items() if "build" in service and profile in service.get("profiles", [])}
    assert ours == set(WORKLOADS[profile]), "a compose service has no Kubernetes workload here"
    for service_name, workload in WORKLOADS[profile].items():
        service, pod = services[service_name], pods[workload]
        container = pod["containers"][0]
        assert container["image"] == interpolate(service["image"]), workload
        if "command" in service:
            assert container["args"] == [interpolate(word) for word in service["command"]], workload
        compose_names = set(service.get("environment", {}))
        names = set(container_env(f"overlays/{profile}", pod))
        assert compose_names - names == set(), f"{workload} lacks compose's {sorted(compose_names - names)}"
        assert names - compose_names <= KUBERNETES_ONLY | {"MIGRATE"}, f"{workload} has {sorted(names - compose_names - KUBERNETES_ONLY)}"
        # Values that are compose's own, not the site's (upstreams differ only where a Service does).
        env = container_env(f"overlays/{profile}", pod)
        for name in ("PROXY_FIX_COUNT", "NGINX_SITE_TEMPLATE", "GUNICORN_UPSTREAM", "GUNICORN_HEALTH_UPSTREAM",
                     "FASTCGI_UPSTREAM", "FASTCGI_HEALTH_UPSTREAM", "GUNICORN_TIMEOUT", "GUNICORN_GRACEFUL_TIMEOUT",
                     "SESSION_COOKIE_SECURE", "TLS_SELF_SIGNED", "DATABASE_URL"):
            if name in service.get("environment", {}):
                assert env[name] == interpolate(service["environment"][name]), f"{workload} {name}"
        target = service["build"]["target"]
        ports = {port["containerPort"] for port in container.get("ports", [])}
        assert ports == (targets[target]["expose"] if workload != "Deployment/outbox" else set()), workload


@pytest.mark.parametrize("profile", PROFILES)
def test_kubernetes_nginx_upstreams_are_services_of_the_app_server_ports(profile):
    found = resources(f"overlays/{profile}")
    if "Deployment/nginx" not in found:
        return
    env = container_env(f"overlays/{profile}", found["Deployment/nginx"]["spec"]["template"]["spec"])
    upstreams = [value for name, value in env.items() if name.endswith("_UPSTREAM") or name.endswith("_UPSTREAM_2")]
    assert upstreams
    for upstream in upstreams:
        host, port = upstream.split(":")
        service = found[f"Service/{host}"]
        assert int(port) in {entry["port"] for entry in service["spec"]["ports"]}, upstream


def probe_target(probe):
    if "httpGet" in probe:
        return probe["httpGet"]["path"], probe["httpGet"]["port"]
    if "exec" in probe:
        command = " ".join(probe["exec"]["command"])
        if "healthcheck.py" in command:
            return "/healthz", "health"
        return re.search(r"PATH_INFO=(\S+)", command).group(1), re.search(r"-connect \S+:(\d+)", command).group(1)
    return None, probe["tcpSocket"]["port"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # only the routes are asked
@pytest.mark.parametrize("profile", PROFILES)
def test_kubernetes_probes_ask_the_health_routes_the_images_health_checks_ask(profile, app):
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    pods = pod_specs(f"overlays/{profile}")
    targets = dockerfile_targets()
    for workload in set(WORKLOADS[profile].values()) - {"Deployment/outbox"}:
        container = pods[workload]["containers"][0]
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        image_check = targets[container["image"].split("/")[1].split(":")[0]]["healthcheck"]
        readiness, readiness_port = probe_target(container["readinessProbe"])
        liveness, liveness_port = probe_target(container["livenessProbe"])
        if workload == "Deployment/nginx":
            # The whole path, as the image's HEALTHCHECK: /healthz through nginx to the app server.
            assert readiness == "/healthz" and readiness in image_check and ports[readiness_port] == 8443
            assert liveness is None  # nginx alone: restarting it cannot mend the app server
            continue
        assert readiness == "/readyz" and liveness == "/healthz" and {readiness, liveness} <= routes, workload
        assert "/healthz" in image_check or "healthcheck.py" in image_check
        if "health" in ports:  # gunicorn and flup: /healthz on its own port (deploy/health.py)
            app_port = min(ports.values())
            assert ports["health"] == app_port + PORT_OFFSET, workload
            assert ports.get(liveness_port, liveness_port) == ports["health"]
            assert int(ports.get(readiness_port, readiness_port)) == app_port
        assert container["startupProbe"], workload


def test_kubernetes_pods_stop_with_compose_grace_after_the_endpoint_is_gone():
    services = compose()
    for profile in PROFILES:
        pods = pod_specs(f"overlays/{profile}")
        for service_name, workload in WORKLOADS[profile].items():
            if workload == "Deployment/outbox":
                continue
            pod = pods[workload]
            grace = int(services[service_name]["stop_grace_period"].rstrip("s"))
            pause = pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"]
            assert pause[0] == "sleep" and 5 <= int(pause[1]) <= 10, workload
            # Kubernetes counts preStop inside the grace period: the server keeps compose's 35 s.
            assert pod["terminationGracePeriodSeconds"] - int(pause[1]) == grace, workload
            assert grace > int(interpolate(services.get("gunicorn")["environment"]["GUNICORN_GRACEFUL_TIMEOUT"]))
