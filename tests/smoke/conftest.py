"""make smoke: the route table through the stack that is running, whichever it is.

BASE_URL (and CA, the file to trust for it) names one, for a real server; else the native stack
of `make up-native`, else the compose stack of `make up`. With none, one line says so.
"""
import os

import pytest

from tests.stacks import RemoteStack
from tests.stacks.native import running


def find_running_stack():
    if os.environ.get("BASE_URL"):
        return RemoteStack(os.environ["BASE_URL"], os.environ.get("CA") or None)
    native = running()
    if native:
        return native[0]
    from tests.stacks.compose import ComposeStack

    try:
        return ComposeStack.running()
    except (OSError, RuntimeError):  # no compose on this machine, or no engine answering
        return None


@pytest.fixture(scope="session")
def stack():
    found = find_running_stack()
    if found is None:
        pytest.exit("make smoke: nothing is running; start a stack (make up-native FRONTEND=…, or make up) "
                    "or name one with BASE_URL=… [CA=…]", returncode=2)
    return found
