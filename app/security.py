"""Security headers on every answer of the app, set in one place.

A plain after_request rather than flask-talisman: the policy is a handful of fixed headers, and
the web servers send the same ones for the static files they serve themselves (deploy/).
Scripts come only from files on this site: no page has an inline script or event handler.
"""
from flask import Flask, request, session

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)
# Powerful browser features no page here uses, refused to every frame and script. Only features
# browsers know (an unknown one, such as the retired interest-cohort, earns a console warning).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
}
HSTS = "max-age=63072000; includeSubDomains"  # two years, Mozilla's recommendation


def add_security_headers(response):
    headers = response.headers
    # One pass over the few headers the view set, rather than a search per header (setdefault):
    # this runs on every answer, and the search was most of its cost (issue 19).
    present = {name.lower() for name in headers.keys()}
    for name, value in HEADERS.items():
        if name.lower() not in present:
            headers.add(name, value)
    if request.is_secure and "strict-transport-security" not in present:  # https as the client used it: ProxyFix, FastCGI's HTTPS or mod_wsgi
        headers.add("Strict-Transport-Security", HSTS)
    if session.modified:
        # The answer sets (or clears) this visitor's session cookie: a shared cache that kept it
        # would hand one session, and its CSRF token, to every later visitor. Vary: Cookie is not
        # enough, as the first visitor and the next both come without a cookie.
        response.cache_control.private = True
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
