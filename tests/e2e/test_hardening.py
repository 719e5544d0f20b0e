"""Our containers as Docker runs them: no privilege, and no secret baked into an image."""
import re

from tests.stacks.compose import UPSTREAM, ComposeStack
from tests.stacks.compose.project import docker


def test_our_containers_run_as_a_user_with_no_capability_on_a_read_only_root(stack: ComposeStack):
    ours = {service: container for service, container in stack.project.containers().items() if service not in UPSTREAM}
    assert stack.web_service in ours and set(stack.app_services) <= set(ours)
    template = "{{.Config.User}}|{{.HostConfig.ReadonlyRootfs}}|{{json .HostConfig.CapDrop}}|{{json .HostConfig.CapAdd}}|{{json .HostConfig.SecurityOpt}}"
    for service, container in ours.items():
        user, read_only, dropped, added, options = docker("inspect", "-f", template, container).split("|")
        assert user and user.partition(":")[0] not in ("0", "root"), (service, user)
        assert read_only == "true", service
        assert dropped == '["ALL"]' and added in ("null", "[]"), (service, dropped, added)
        assert "no-new-privileges" in options, (service, options)


def test_no_image_layer_carries_a_secret(stack: ComposeStack):
    images = {docker("inspect", "-f", "{{.Config.Image}}", container)
              for service, container in stack.project.containers().items() if service not in UPSTREAM}
    for image in images:
        history = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", image)
        assert not re.search(r'(SECRET_KEY|PASSWORD)=[^ "$]', history), f"{image} carries a secret in a layer"
