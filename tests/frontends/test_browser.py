"""A real browser (Debian's Chromium through Selenium) over HTTPS, through nginx + gunicorn and Apache.

Every page the index links loads with no console error and no CSP violation, and the pages that
need JavaScript or a round trip work as a person would use them. Screenshots go to the folder the
run names at its end.
"""
import os

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.frontends import chromium
from tests.frontends.chromium import click_and_wait, console_errors


@pytest.fixture(params=["gunicorn", "apache"])
def browser(request, stacks, tmp_path):
    stack = stacks[request.param]
    driver = chromium.start(stack.cert, str(tmp_path / "profile"))
    driver.base = stack.url.rstrip("/")
    driver.frontend = request.param
    driver.uploads = os.path.join(stack.state, "uploads")
    yield driver
    driver.quit()


def screenshot(driver, name: str) -> None:
    chromium.screenshot(driver, os.path.join(chromium.SCREENSHOTS, driver.frontend), name)


def test_every_linked_page_loads_with_no_console_error_or_csp_violation(browser):
    browser.get(browser.base + "/")
    screenshot(browser, "index")
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "table.features a")]
    assert len(links) >= 30
    for link in links:
        browser.get(link)
        assert console_errors(browser) == [], link


def test_sijax_and_fetch_greetings_change_the_page(browser):
    browser.get(browser.base + "/ajax/sijax")
    browser.find_element(By.ID, "sijax-name").send_keys("Ann <b>")
    browser.find_element(By.ID, "sijax-say-hi").click()
    WebDriverWait(browser, 10).until(EC.alert_is_present())
    alert = browser.switch_to.alert
    assert alert.text == "Hi there!"
    alert.accept()
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "sijax-result").text)
    assert browser.find_element(By.ID, "sijax-result").text == "Hi there, Ann <b>!"  # shown, not run
    screenshot(browser, "ajax")
    browser.get(browser.base + "/ajax/fetch")
    browser.find_element(By.ID, "fetch-name").send_keys("Bo")
    browser.find_element(By.ID, "fetch-say-hi").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "fetch-result").text)
    assert browser.find_element(By.ID, "fetch-result").text == "Hi there, Bo!"
    assert console_errors(browser) == []


def test_the_contact_form_shows_its_errors_then_succeeds(browser):
    browser.get(browser.base + "/contact")
    click_and_wait(browser, browser.find_element(By.ID, "submit"))
    errors = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "p.error")]
    assert "Please enter your name." in errors and "Please enter your email address." in errors
    screenshot(browser, "contact-errors")
    browser.find_element(By.ID, "name").send_keys("Ann")
    browser.find_element(By.CSS_SELECTOR, "input[name=gender][value=F]").click()
    browser.find_element(By.ID, "email").send_keys("ann@example.com")
    browser.find_element(By.ID, "age").send_keys("30")
    click_and_wait(browser, browser.find_element(By.ID, "submit"))
    assert "Thank you, Ann" in browser.find_element(By.TAG_NAME, "h1").text


def test_a_flash_message_appears_after_the_redirect_and_the_session_survives_navigation(browser):
    browser.get(browser.base + "/login")
    browser.find_element(By.ID, "username").send_keys("ann")
    click_and_wait(browser, browser.find_element(By.ID, "submit"))
    assert "Logged in as ann." in browser.find_element(By.CSS_SELECTOR, ".flash.info").text
    for path in ("/about", "/template", "/flash"):
        browser.get(browser.base + path)
        assert "ann" in browser.find_element(By.TAG_NAME, "header").text, path
    click_and_wait(browser, browser.find_element(By.XPATH, "//button[text()='Flash warning']"))
    assert "warning category" in browser.find_element(By.CSS_SELECTOR, ".flash.warning").text


def test_an_upload_works(browser, tmp_path):
    path = tmp_path / "hello-from-chromium.txt"
    path.write_text("uploaded by a real browser\n")
    browser.get(browser.base + "/uploader")
    browser.find_element(By.ID, "file").send_keys(str(path))
    try:
        click_and_wait(browser, browser.find_element(By.ID, "submit"))
        assert "File uploaded successfully" in browser.find_element(By.CSS_SELECTOR, ".flash.info").text
        assert "hello-from-chromium" in browser.find_element(By.TAG_NAME, "table").text
    finally:  # the stacks must stay alike for the equivalence check
        for name in os.listdir(browser.uploads):
            if name.startswith("hello-from-chromium"):
                os.remove(os.path.join(browser.uploads, name))
