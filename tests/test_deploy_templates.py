"""deploy/ templates: every ${NAME} has a documented value, and one variable sets both body limits."""
import glob
import os
import re

import pytest

from stack.frontends import render  # deploy/render.py, as the runner loads it

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = sorted(glob.glob(os.path.join(ROOT, "deploy", "**", "*.template"), recursive=True))


@pytest.mark.parametrize("template", TEMPLATES, ids=os.path.basename)
def test_every_template_variable_is_documented_in_defaults_env(template):
    text = open(template).read()
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)\}", text))
    assert used <= set(render.defaults()), used - set(render.defaults())
    assert "${" not in render.render(text, render.settings({}))


def test_max_body_size_follows_max_content_length():
    assert render.settings({"MAX_CONTENT_LENGTH": "1048576"})["MAX_BODY_SIZE"] == "1048576"
    assert render.settings({"MAX_CONTENT_LENGTH": "1", "MAX_BODY_SIZE": "2"})["MAX_BODY_SIZE"] == "2"


def test_an_empty_value_is_refused():
    with pytest.raises(SystemExit, match="SERVER_NAME is empty"):
        render.render("server_name ${SERVER_NAME};", {**render.defaults(), "SERVER_NAME": ""})


def test_the_environment_overrides_the_defaults_and_nginx_variables_are_left_alone():
    text = render.render("listen ${LISTEN_PORT}; proxy_set_header Host $host:$server_port;", render.settings({"LISTEN_PORT": "8080"}))
    assert text == "listen 8080; proxy_set_header Host $host:$server_port;"
