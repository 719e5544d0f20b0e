"""LOG_FORMAT=json, the images' default, through each compose profile after the route table ran:
every line the web server and the app servers wrote on stdout is one JSON object in the schema of
app/logs.py, and a request's lines share its id. stderr is the servers' own text (nginx's and
Apache's error logs, which cannot be JSON; under Apache the app's lines are there too, behind
mod_wsgi's prefix: README "Logs")."""
import json
import uuid

from tests.frontends.test_json_logs import check_schema
from tests.stacks import Stack


def stdout_entries(stack: Stack, service: str) -> list[dict]:
    entries = []
    for line in stack.project.stdout(service).splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"{service} wrote a line that is not JSON on stdout: {line!r}") from None
    return entries


def test_every_line_on_the_servers_stdout_is_json_in_the_schema(stack: Stack):
    for service in {stack.web_service, *stack.app_services}:
        entries = stdout_entries(stack, service)
        assert entries or service != stack.web_service, f"{service}: nothing on stdout after the route table"
        for entry in entries:
            check_schema(entry)


def test_one_requests_lines_share_its_id(stack: Stack):
    marker = uuid.uuid4().hex[:12]
    answer = stack.request("GET", f"/no/such/{marker}")
    assert answer.status == 404
    request_id = answer.headers["x-request-id"]
    web = [e for e in stdout_entries(stack, stack.web_service) if e.get("path") == f"/no/such/{marker}"]
    assert [(e["request_id"], e["status"]) for e in web] == [(request_id, 404)]
    if stack.frontend == "apache":  # the app's line is in Apache's error log (stderr), behind its prefix
        logs = stack.project("logs", "--no-color", stack.web_service)
        assert any(f'"request_id": "{request_id}"' in line and marker in line for line in logs.splitlines())
        return
    app = [e for service in stack.app_services for e in stdout_entries(stack, service)
           if e.get("logger") == "app" and e.get("path") == f"/no/such/{marker}"]
    assert [(e["request_id"], e["status"]) for e in app] == [(request_id, 404)]
