"""The requests of the hostile-input case (tests/faults/test_hostile.py), as Hypothesis strategies: one per
category, each drawing complete raw requests (bytes) aimed at the stack's own routes and rows."""
from hypothesis import strategies as st

from .content import forms, json_posts, paths, queries
from .probe import Probe, Target
from .wire import cookies, framing, headers, hosts, incomplete_bodies

__all__ = ["Probe", "Target", "categories", "incomplete_bodies"]


def categories(t: Target) -> list[tuple[str, st.SearchStrategy, int]]:
    """Each category, its strategy and how many requests it draws: 2 650 in all."""
    return [("path", paths(t), 800), ("query", queries(t), 300), ("form", forms(t), 300), ("json", json_posts(t), 400),
            ("cookie", cookies(t), 250), ("host", hosts(t), 250), ("header", headers(t), 150),
            ("framing", framing(t), 200)]
