from flask import current_app, render_template, request

from . import bp
from .redirects import redirect_url

# Requests the page builds itself with test_request_context, to show where redirect_url() leads.
EXAMPLES = [
    ("/login?next=/about", {}),
    ("/login", {"Referer": "{host_url}students/"}),  # this site's own address, whatever host serves it
    ("/login?next=https://evil.example/", {}),
    ("/login", {}),
]


@bp.route("/context")
def context_page():
    examples = []
    for path, template in EXAMPLES:
        headers = {name: value.format(host_url=request.host_url) for name, value in template.items()}
        # A second request context pushed on top of this one: the notes' "contexts are a stack".
        with current_app.test_request_context(path, headers=headers, base_url=request.host_url):
            examples.append({"path": path, "headers": headers, "target": redirect_url()})
    return render_template(
        "context/context.html",
        app_name=current_app.name,
        real_app=type(current_app._get_current_object()).__name__,
        examples=examples,
        here=redirect_url(),
    )
