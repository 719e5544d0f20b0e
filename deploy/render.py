"""Fill a deploy/ template: defaults from deploy/defaults.env, overridden by the environment.

Usage: .venv/bin/python -m deploy.render TEMPLATE [> OUTPUT]   (from the project folder)
       .venv/bin/python -m deploy.render --values   (every value, as shell assignments: deploy/install)
Only ${NAME} for names listed in defaults.env is replaced, like `envsubst '${NAME} ...'`; a listed
name left empty is an error.
"""
import os
import re
import shlex
import sys

from deploy import defaults, sizing


def settings(environ=os.environ, core_count: int | None = None) -> dict:
    values = defaults()
    values.update({name: environ[name] for name in values if environ.get(name)})
    # auto: the process and thread counts from the one formula, for the cores of the host that
    # renders (the server itself, or the container at start-up).
    counts = sizing.settings({**environ, **values}, core_count)
    values.update({name: str(counts[name]) for name, value in values.items() if value == "auto"})
    # A default may name another variable, as TLS_CERT names SERVER_NAME and MAX_BODY_SIZE
    # MAX_CONTENT_LENGTH; as in a shell, it is filled with that variable's final value.
    return {name: render(value, values) for name, value in values.items()}


def render(text: str, values: dict) -> str:
    return "".join(_render_line(line, values) for line in text.splitlines(keepends=True))


def _render_line(line: str, values: dict) -> str:
    """An upstream (a name ending in _UPSTREAM or _UPSTREAM_2) may list several servers, comma
    separated (nginx in front of several app hosts): its line is written once per server."""
    for name in re.findall(r"\$\{([A-Z_][A-Z0-9_]*_UPSTREAM(?:_2)?)\}", line):
        if "," in values.get(name, ""):
            return "".join(_render_line(line.replace(f"${{{name}}}", server.strip()), values)
                           for server in values[name].split(","))

    def substitute(match):
        name = match.group(1)
        if name not in values:
            return match.group(0)
        if values[name] == "":
            raise SystemExit(f"render: {name} is empty")
        return values[name]

    return re.sub(r"\$\{([A-Z_][A-Z0-9_]*)\}", substitute, line)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__.strip().splitlines()[2])
    if sys.argv[1] == "--values":
        sys.stdout.writelines(f"{name}={shlex.quote(value)}\n" for name, value in settings().items())
        raise SystemExit(0)
    with open(sys.argv[1]) as template:
        sys.stdout.write(render(template.read(), settings()))
