"""Static files through every front end: versioned URLs kept a year, plain ones revalidated, and a
missing file answered with a page in the site's look."""
import re

from tests.frontends.browser import Browser

IMMUTABLE = "public, max-age=31536000, immutable"


def test_pages_link_static_files_by_versioned_urls_kept_for_a_year(stack):
    browser = Browser(stack.url)
    link = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{12})"', browser.open("/").text)
    assert link, "the layout links site.css without its version"
    answer = browser.open(link.group(1))
    assert answer.status == 200 and b"font-family" in answer.body
    assert answer.headers["Cache-Control"] == IMMUTABLE


def test_an_unversioned_static_url_is_revalidated_with_a_304(stack):
    browser = Browser(stack.url)
    first = browser.open("/static/css/site.css")
    assert first.status == 200 and first.headers["Cache-Control"] == "no-cache"
    again = browser.open("/static/css/site.css", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304, again.status


def test_a_missing_static_file_gets_the_sites_404_page(stack):
    answer = Browser(stack.url).open("/static/no-such-file.css")
    assert answer.status == 404
    assert answer.headers["Content-Type"].startswith("text/html")
    assert '<link rel="stylesheet" href="/static/css/site.css">' in answer.text and 'href="/"' in answer.text
    assert "max-age=31536000" not in answer.headers.get("Cache-Control", "")
