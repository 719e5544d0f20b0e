"""Every route and what it must answer. One table drives the app tests, `make smoke`, the
front-end tests and e2e, so a new route is checked everywhere at once. Standard library only."""
import http.client
import urllib.parse
from typing import NamedTuple

JSON = {"Accept": "application/json"}


class Route(NamedTuple):
    path: str
    status: int = 200
    contains: str = ""
    method: str = "GET"
    headers: dict = {}

    def __str__(self):
        return f"{self.method} {self.path} -> {self.status}"


ROUTES = [
    # routing, converters, trailing slashes, url_for
    Route("/", 200, "Every topic of the Flask notes"),
    Route("/hello", 200, "Hello World"),
    Route("/hello/%3Cem%3EFlask", 200, "Hello &lt;em&gt;Flask!"),
    Route("/post/42", 200, "<code>42</code> of type <code>int</code>"),
    Route("/post/forty-two", 404, "Not Found"),
    Route("/rev/1.5", 200, "<code>1.5</code> of type <code>float</code>"),
    Route("/rev/1", 404, "Not Found"),
    Route("/path/a/b/c", 200, "<code>a/b/c</code>"),
    # encoded paths: every front end must hand the app the same decoded PATH_INFO
    Route("/path/a%2Fb/c", 200, "<code>a/b/c</code>"),
    Route("/path/%E4%BD%A0%E5%A5%BD%20x", 200, "<code>你好 x</code>"),
    Route("/hello/a%20b", 200, "Hello a b!"),
    Route("/hello/%C3%A9t%C3%A9", 200, "Hello été!"),
    Route("/hello/a%2Fb", 404, "Not Found"),
    Route("/python/", 200, "Python"),
    Route("/python", 308),
    Route("/flask", 200, "Flask: only /flask"),
    Route("/flask/", 404, "Not Found"),
    Route("/user/guest", 302),
    Route("/guest/guest", 200, "Hello guest as Guest"),
    Route("/user/admin", 302),
    Route("/admin-greeting", 200, "Hello Admin"),
    # HTTP methods
    Route("/login", 200, 'name="username"'),
    Route("/login", 400, "CSRF token is missing", "POST"),
    Route("/logout", 405, "Method Not Allowed"),
    Route("/methods", 200, '"method":"GET"'),
    Route("/methods", 200, "", "HEAD"),
    Route("/methods", 201, '"method":"POST"', "POST"),
    Route("/methods", 200, '"method":"PUT"', "PUT"),
    Route("/methods", 204, "", "DELETE"),
    Route("/methods", 405, "Method Not Allowed", "PATCH"),
    # templates and static files
    Route("/template", 200, "The sum of my_array is 6"),
    Route("/static-demo", 200, "/static/hello.js"),
    Route("/static/hello.js", 200, "function sayHello()"),
    Route("/static/css/site.css", 200, "font-family"),
    Route("/favicon.ico", 200),
    # the request object, cookies, session, redirects, errors, flashing
    Route("/search?wd=flask", 200, "You searched for <strong>flask</strong>"),
    Route("/search?wd=%E4%BD%A0+%26x", 200, "You searched for <strong>你 &amp;x</strong>"),
    Route("/request?q=x", 200, "{&#39;q&#39;: [&#39;x&#39;]}"),
    Route("/request/info", 200, '"path":"/request/info"'),
    Route("/cookies", 200, "cookie is not set"),
    Route("/cookies/set?value=hi", 302),
    Route("/cookies/delete", 302),
    Route("/session", 200, "is not set"),
    Route("/session/set", 400, "CSRF token is missing", "POST"),
    Route("/redirects", 200, "abort(429)"),
    Route("/redirect/301", 301),
    Route("/redirect/302", 302),
    Route("/redirect/303", 303),
    Route("/redirect/307", 307),
    Route("/redirect/308", 308),
    Route("/redirect/200", 400, "not a redirect status"),
    Route("/abort/400", 400, "Bad Request"),
    Route("/abort/401", 401, "Unauthorized"),
    Route("/abort/403", 403, "Forbidden"),
    Route("/abort/404", 404, "Not Found"),
    Route("/abort/406", 406, "Not Acceptable"),
    Route("/abort/415", 415, "Unsupported Media Type"),
    Route("/abort/429", 429, "Too Many Requests"),
    Route("/abort/403", 403, '"error":"Forbidden"', headers=JSON),
    Route("/abort/418", 404, "aborts with"),
    Route("/flash", 200, "Flash warning"),
    # uploads, forms, mail
    Route("/uploader", 200, 'enctype="multipart/form-data"'),
    Route("/uploads/", 200, "Uploaded files"),
    Route("/uploads/missing.txt", 404, "No uploaded file"),
    Route("/contact", 200, "Name Of Student"),
    Route("/contact", 400, "CSRF token is missing", "POST"),
    Route("/mail", 200, "Attach hello.txt"),
    # request callbacks and Flask-SQLAlchemy
    Route("/callbacks", 200, "counted 0 student(s)"),
    Route("/students/", 200, "Add a student"),
    Route("/students/new", 200, 'name="pin"'),
    Route("/students/999999/edit", 404, "No student has that id"),
    # Ajax
    Route("/ajax/sijax", 200, "sijax.js"),
    Route("/ajax/fetch", 200, "fetch-page.js"),
    Route("/ajax/vendor/jquery/jquery.min.js", 200, "jQuery"),
    Route("/ajax/vendor/sijax/sijax.js", 200, "Sijax.request"),
    Route("/ajax/vendor/other/x.js", 404, "Not Found"),
    Route("/ajax/hello", 400, "CSRF token is missing", "POST"),
    # pluggable views and the API
    Route("/users/", 200, "ShowUsers"),
    Route("/about", 200, "RenderTemplateView"),
    Route("/myview", 200, "MyView.methods"),
    Route("/api/users/", 200, '"users":'),
    Route("/api/users/999999", 404, "No user has that id"),
    Route("/api/users/", 401, "Authorization: Bearer", "POST"),
    Route("/api/users/1", 405, "Method Not Allowed", "POST"),
    Route("/openapi.json", 200, '"openapi":"3.1.0"'),
    # contexts, blueprints, health
    Route("/context", 200, "test_request_context"),
    Route("/pages/", 200, "simple_page"),
    Route("/pages/hello", 200, "pages/hello.html"),
    Route("/help/hello", 200, "help_pages"),
    Route("/pages/missing", 404, "no page called"),
    Route("/admin/", 200, "/admin/static/admin.css"),
    Route("/admin/static/admin.css", 200, ".admin-note"),
    Route("/admin/settings", 200, "url_for('.index')"),
    Route("/healthz", 200, '"status":"ok"'),
    Route("/readyz", 200, '"database":"ok"'),
    Route("/no/such/page", 404, "Not Found"),
]


def request(base: urllib.parse.SplitResult, route: Route, context=None) -> tuple[int, str]:
    """One request to a running stack, redirects not followed, as the table expects."""
    if base.scheme == "https":
        connection = http.client.HTTPSConnection(base.hostname, base.port, timeout=30, context=context)
    else:
        connection = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
    try:
        headers = {"Accept": "text/html", **route.headers}
        connection.request(route.method, base.path.rstrip("/") + route.path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", errors="replace")
    finally:
        connection.close()


def check(base: urllib.parse.SplitResult, route: Route, context=None) -> str | None:
    """None when the route answers as the table says, else why not."""
    try:
        status, body = request(base, route, context)
    except OSError as error:
        return f"no answer: {error}"
    if status != route.status:
        return f"status {status}, expected {route.status}"
    if route.contains not in body:
        return f"body lacks {route.contains!r}"
    if "Traceback" in body:
        return "body shows a traceback"
    return None
