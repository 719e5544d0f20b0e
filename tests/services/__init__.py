"""Real servers for the tests: an SMTP sink here, the PostgreSQL cluster from stack/, on loopback."""
import os

import pytest

from tests.stacks.native.postgres import free_port  # noqa: F401  (re-exported for the tests)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str):
    """A missing server skips on a laptop; in CI nothing may be skipped, so it fails."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing server is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)
