"""Static URLs name their content: a year in caches when versioned, revalidated when not."""
import os
import re

from app import create_app

VERSIONED = "public, max-age=31536000, immutable"


def test_every_static_url_carries_a_content_hash(app):
    with app.test_request_context():
        from flask import url_for

        for endpoint, values in [("static", {"filename": "css/site.css"}), ("admin.static", {"filename": "admin.css"}),
                                 ("ajax.vendor", {"library": "jquery", "filename": "jquery.min.js"})]:
            assert re.search(r"\?v=[0-9a-f]{12}$", url_for(endpoint, **values)), endpoint


def test_a_versioned_url_is_cached_for_a_year_and_a_plain_one_revalidated(client):
    page = client.get("/static-demo").get_data(as_text=True)
    url = re.search(r'src="(/static/hello\.js\?v=[0-9a-f]{12})"', page).group(1)
    assert client.get(url).headers["Cache-Control"] == VERSIONED
    plain = client.get("/static/hello.js")
    assert plain.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/hello.js", headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304


def test_a_changed_file_gets_a_new_url_in_debug_mode(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "x.css").write_text("a{}")
    app = create_app({"TESTING": True, "DEBUG": True, "UPLOAD_FOLDER": str(tmp_path / "up"), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app.debug = True
    app.static_folder = str(static)
    with app.test_request_context():
        from flask import url_for

        before = url_for("static", filename="x.css")
        (static / "x.css").write_text("b{}")
        os.utime(static / "x.css", ns=(0, os.stat(static / "x.css").st_mtime_ns + 10**9))
        assert url_for("static", filename="x.css") != before
