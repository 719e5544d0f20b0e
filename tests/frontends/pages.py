"""Every page the judges look at: each GET page of the route table that answers HTML (4xx pages
too), and the pages a person only sees after doing something: a form with errors, a flash, a login.
Each such page is reached twice, the same way: by an HTTP client, whose HTML the Nu Html Checker
reads, and by hand in Chromium, where axe and the layout checks look at it."""
import re
import secrets
import urllib.parse
from dataclasses import dataclass
from typing import Callable

from selenium.webdriver.common.by import By

from tests.frontends.browser import Answer, Browser
from tests.frontends.chromium import click_and_wait
from tests.route_table import ROUTES


@dataclass
class Page:
    name: str  # what a finding names, e.g. "/hello/%3Cem%3EFlask (200)"
    path: str  # where a browser goes first
    status: int
    body: str
    by_hand: Callable | None = None  # what a person then does in Chromium; None: typing the address is all

    @property
    def slug(self) -> str:
        """The page as a file name, for screenshots and the checker's input."""
        return re.sub(r"[^A-Za-z0-9]+", "-", self.name.rsplit(" (", 1)[0]).strip("-") or "index"


def answers(path: str, answer: Answer, by_hand=None, name=None) -> Page:
    return Page(f"{name or path} ({answer.status})", path, answer.status, answer.text, by_hand)


def route_pages(client: Browser, content_type="text/html") -> list[Page]:
    """Every GET path of the route table once, the table's own Accept; redirects have no page to judge."""
    pages, seen = [], set()
    for route in ROUTES:
        if route.method != "GET" or route.headers or route.path in seen or 300 <= route.status < 400:
            continue
        seen.add(route.path)
        answer = client.open(route.path, headers={"Accept": "text/html"})
        if answer.headers.get_content_type() == content_type:
            pages.append(answers(route.path, answer))
    return pages


def contact_with_errors(driver):
    click_and_wait(driver, driver.find_element(By.ID, "submit"))


def flashed_error(driver):
    click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='Flash error']"))


def logged_in(driver):
    driver.find_element(By.ID, "username").send_keys("ann")
    click_and_wait(driver, driver.find_element(By.ID, "submit"))


def pages_after_an_action(client: Browser) -> list[Page]:
    """The states only a form post reaches; login last, since it changes every page after it."""
    contact = client.post_form("/contact", {})
    client.post_form("/flash/error", {})
    flashed = client.open("/flash")
    login = client.post_form("/login", {"username": "ann"})
    assert login.status in (302, 303), f"login answered {login.status}"
    landing = urllib.parse.urlsplit(login.headers["Location"]).path
    return [
        answers("/contact", contact, contact_with_errors, "/contact with errors"),
        answers("/flash", flashed, flashed_error, "/flash after a flashed error"),
        answers("/login", client.open(landing), logged_in, "/login, then logged in"),
    ]


def every_page(base_url: str, student_id: int) -> list[Page]:
    """With a student in the table, so that /students/ shows a row, and its edit and delete pages are two more."""
    client = Browser(base_url)
    student_pages = [answers(path, client.open(path), name=f"/students/<id>/{action}")
                     for action in ("edit", "delete") for path in [f"/students/{student_id}/{action}"]]
    return route_pages(client) + student_pages + pages_after_an_action(client)


def add_student(base_url: str) -> int:
    client = Browser(base_url)
    fields = {"name": "Judge Ann", "city": "Paris", "addr": "1 Rue des Juges", "pin": "1234",
              "submission": secrets.token_urlsafe(16)}
    assert client.post_form("/students/new", fields).status == 303
    return max(int(i) for i in re.findall(r'/students/(\d+)/edit', client.open("/students/").text))


def delete_student(base_url: str, student_id: int) -> None:
    assert Browser(base_url).post_form(f"/students/{student_id}/delete", {}).status == 303
