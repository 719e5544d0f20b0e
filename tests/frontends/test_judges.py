"""Third-party judges of every page, through nginx + gunicorn: the Nu Html Checker (valid HTML and
CSS), axe-core (accessibility) at a desktop's and a phone's width, no sideways scroll on a phone,
and a quiet console. The judges are pinned in tests/judges/package.json (make test installs them).

One test per judge, each failing with every page's findings at once: every page loads once per
width, and all the browser judges read that one load; the checker reads every page in one JVM.
Screenshots of each page at both widths go to the folder the run names at its end.
"""
import json
import os
import subprocess
import warnings

import pytest

from tests.frontends import chromium
from tests.frontends.browser import Browser
from tests.frontends.pages import add_student, delete_student, every_page, route_pages
from tests.services import unavailable

JUDGES = os.path.join(os.path.dirname(__file__), os.pardir, "judges", "node_modules")
VNU = os.path.join(JUDGES, "vnu-jar", "build", "dist", "vnu.jar")
AXE = os.path.join(JUDGES, "axe-core", "axe.min.js")
DESKTOP, PHONE = (1280, 900), (390, 844)
AXE_RUN = """const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(
  result => done(result.violations.map(v => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)),
  error => done([`axe failed: ${error}`]));"""


def judge(path: str) -> str:
    if not os.path.exists(path):
        unavailable(f"{os.path.relpath(path)} is missing: npm ci --prefix tests/judges (make test does it)")
    return path


@pytest.fixture(scope="module")
def gunicorn(stacks):
    return stacks["gunicorn"]


@pytest.fixture(scope="module")
def pages(gunicorn):
    """Every page, a student's too; the student goes again after, so the stacks stay alike."""
    student_id = add_student(gunicorn.url)
    try:
        found = every_page(gunicorn.url, student_id)
        assert len(found) >= 40, [page.name for page in found]
        yield found
    finally:
        delete_student(gunicorn.url, student_id)


@pytest.fixture(scope="module")
def tour(gunicorn, pages, tmp_path_factory):
    """Every page by hand in Chromium at both widths; what each browser judge found, by judge."""
    axe = open(judge(AXE)).read()
    findings = {"axe": [], "overflow": [], "console": []}
    driver = chromium.start(gunicorn.cert, str(tmp_path_factory.mktemp("chromium") / "profile"))
    driver.set_script_timeout(30)
    base = gunicorn.url.rstrip("/")
    try:
        for width, height in (DESKTOP, PHONE):
            chromium.emulate(driver, width, height, phone=width == PHONE[0])
            driver.delete_all_cookies()  # the login at the end of the last round is not this round's
            folder = os.path.join(chromium.SCREENSHOTS, "judges", f"{width}px")
            for page in pages:
                where = f"{page.name} at {width} px"
                driver.get(base + page.path)
                if page.by_hand:
                    page.by_hand(driver)
                driver.execute_script(axe)  # WebDriver's scripts run outside the page's CSP
                findings["axe"] += [f"{where}: {v}" for v in driver.execute_async_script(AXE_RUN)]
                if width == PHONE[0]:
                    # Not innerWidth: on a phone Chromium widens the layout viewport to fit what overflows.
                    scroll_width = driver.execute_script("return document.documentElement.scrollWidth")
                    if scroll_width > width:
                        findings["overflow"].append(f"{where}: {scroll_width} px wide")
                findings["console"] += [f"{where}: {message}" for message in unexpected_console_errors(driver, page)]
                chromium.screenshot(driver, folder, page.slug)
    finally:
        driver.quit()
    return findings


def unexpected_console_errors(driver, page) -> list[str]:
    """Chromium logs a page's own 4xx as a failed load; that one is the page working as meant."""
    own_status = f"{driver.current_url} - Failed to load resource: the server responded with a status of {page.status} "
    return [m for m in chromium.console_errors(driver) if not (400 <= page.status < 500 and m.startswith(own_status))]


def test_every_page_and_stylesheet_is_valid_to_the_nu_html_checker(gunicorn, pages, tmp_path):
    files = {}
    for number, page in enumerate(pages + route_pages(Browser(gunicorn.url), "text/css")):
        path = tmp_path / f"{number:02d}-{page.slug}.{'css' if page.path.endswith('.css') else 'html'}"
        path.write_text(page.body)
        files[path.name] = page.name
    checked = subprocess.run(["java", "-jar", judge(VNU), "--format", "json", "--stdout", "--exit-zero-always",
                              "--also-check-css", *sorted(tmp_path.iterdir())],
                             capture_output=True, text=True, timeout=300)
    messages = json.loads(checked.stdout)["messages"]
    found = {"error": [], "warning": []}
    for m in messages:  # "info" messages with subType "warning" are the warnings; a non-document-error is an error
        kind = "warning" if m.get("subType") == "warning" else "error" if m["type"] != "info" else None
        if kind:
            name = files.get(m.get("url", "").rsplit("/", 1)[-1], m.get("url"))
            found[kind].append(f"{name} line {m.get('lastLine', '?')}: {m['message']}")
    # Warnings are the checker's advice, not the standard's conformance rules, and some are guesses
    # (the language detector's); they go to the run's warnings summary, for a person to read.
    if found["warning"]:
        warnings.warn("Nu Html Checker warnings:\n" + "\n".join(found["warning"]))
    assert found["error"] == [], "\n".join(found["error"])
    assert len(files) > 40


def test_axe_finds_no_accessibility_violation_at_a_desktop_or_a_phone_width(tour):
    assert tour["axe"] == [], "\n".join(tour["axe"])


def test_no_page_scrolls_sideways_on_a_390_px_phone(tour):
    assert tour["overflow"] == [], "\n".join(tour["overflow"])


def test_no_page_logs_a_console_error_but_its_own_4xx_status(tour):
    assert tour["console"] == [], "\n".join(tour["console"])
