"""Every feature of the notes, by topic: the index page and `flask urls` both read this list."""
from typing import NamedTuple


class Feature(NamedTuple):
    topic: str
    title: str
    endpoint: str
    values: dict = {}


FEATURES = [
    Feature("Routing", "Hello World (add_url_rule)", "basics.hello"),
    Feature("Routing", "Variable part, escaped: /hello/<name>", "basics.hello_name", {"name": "<em>Flask"}),
    Feature("Routing", "int converter", "basics.show_post", {"post_id": 42}),
    Feature("Routing", "float converter", "basics.show_revision", {"rev_no": 1.5}),
    Feature("Routing", "path converter", "basics.show_subpath", {"subpath": "a/b/c"}),
    Feature("Routing", "Trailing slash: /python/", "basics.python"),
    Feature("Routing", "No trailing slash: /flask", "basics.flask_page"),
    Feature("URL building", "url_for redirect by name (guest)", "basics.hello_user", {"name": "guest"}),
    Feature("URL building", "url_for redirect by name (admin)", "basics.hello_user", {"name": "admin"}),
    Feature("HTTP methods", "Login form (GET and POST)", "basics.login"),
    Feature("HTTP methods", "GET, HEAD, POST, PUT, DELETE resource", "basics.methods"),
    Feature("Templates", "Jinja2 variables, if/for/with, inheritance", "basics.template_demo"),
    Feature("Static files", "/static/hello.js and its sayHello button", "basics.static_demo"),
    Feature("Request object", "Search with ?wd=", "web.search", {"wd": "flask"}),
    Feature("Request object", "form, args, cookies, files, method", "web.request_object"),
    Feature("Cookies", "Set (max_age), read, delete", "web.cookies"),
    Feature("Sessions", "Set and pop a session value", "web.show_session"),
    Feature("Redirects and errors", "redirect() codes and abort() codes", "web.redirects"),
    Feature("Message flashing", "Categories and category_filter", "web.flash_page"),
    Feature("Uploads", "Upload a file", "uploads.uploader"),
    Feature("Uploads", "Uploaded files", "uploads.list_uploads"),
    Feature("Flask-WTF", "Contact form with validators and CSRF", "forms.contact"),
    Feature("Flask-Mail", "Send a message with cc, bcc and an attachment", "mail.send"),
    Feature("Request callbacks", "before/after/teardown_request, g, X-Request-ID", "callbacks.callbacks_page"),
    Feature("Flask-SQLAlchemy", "Students: create, list, edit, delete", "students.list_students"),
    Feature("Ajax", "Sijax say_hi (sijax core library)", "ajax.sijax_page"),
    Feature("Ajax", "The same with fetch() and JSON", "ajax.fetch_page"),
    Feature("Pluggable views", "ShowUsers (View)", "pluggable.show_users"),
    Feature("Pluggable views", "RenderTemplateView: about page", "pluggable.about_page"),
    Feature("Pluggable views", "MyView (GET and POST)", "pluggable.myview"),
    Feature("Pluggable views", "UserAPI (MethodView, JSON, CORS)", "api.user_api"),
    Feature("Contexts", "test_request_context, redirect_url(), current_app", "context.context_page"),
    Feature("Blueprints", "simple_page at /pages", "simple_page.show"),
    Feature("Blueprints", "simple_page again at /help", "help_pages.show", {"page": "hello"}),
    Feature("Blueprints", "admin with its own static folder", "admin.index"),
    Feature("Health", "Liveness", "health.healthz"),
    Feature("Health", "Readiness (database)", "health.readyz"),
]
